"""OAuth callbacks: where Nmbrs sends the client's browser back after "Inloggen met Nmbrs"."""
from flask import Blueprint

bp = Blueprint("oauth", __name__)

from wizard.oauth import views  # noqa: E402,F401  (registers the routes)
