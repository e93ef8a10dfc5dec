"""The support dashboard: log in, watch and unblock every onboarding, manage access.

Every page needs a support login (``auth.require_login`` runs before each view);
account and API-key pages need an admin. Support's login lives in its own cookie
and server-side session (``wizard.staff.sessions``), apart from the client's
Flask session, so neither can stand in for the other.
"""
from flask import Blueprint

bp = Blueprint("support", __name__, url_prefix="/support")

from wizard.support import access, auth, filters, single_sign_on, views  # noqa: E402,F401  (registers the routes)
