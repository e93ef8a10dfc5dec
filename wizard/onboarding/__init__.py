"""The client-facing wizard: invite links and the steps."""
from flask import Blueprint

bp = Blueprint("onboarding", __name__)

from wizard.onboarding import device, views  # noqa: E402,F401  (registers the routes)
