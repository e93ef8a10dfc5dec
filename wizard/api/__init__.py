"""The CRM's JSON API under ``/api/v1``: invites and their state, authenticated with API keys.

Not cookie-authenticated (a key in the ``Authorization`` header, never a
session), so it is the one blueprint exempt from CSRF protection. Errors are
JSON with stable codes (``errors.py``); every POST takes an ``Idempotency-Key``
(``idempotency.py``); ``openapi.py`` describes it all and a test holds that
description to the routes.
"""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from wizard.api import errors, views  # noqa: E402,F401  (registers the routes)
