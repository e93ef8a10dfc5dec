"""Recognising a browser across short sessions: a random device id in a long-lived cookie.

The session cookie lives hours (``SESSION_LIFETIME_HOURS``); this cookie lives
``DEVICE_COOKIE_DAYS`` and holds only a random id, signed so a forged or edited
one is ignored. In production it is ``__Host-device``: Secure, HttpOnly,
SameSite=Lax, host-only, like the session cookie. The onboarding keeps the id's
sha256 for each browser it trusts (``wizard.invites.devices``).
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask import after_this_request, current_app, request
from itsdangerous import BadData

from wizard.tokens import DEVICE_SALT, serializer

#: Cookies longer than this are not ours; ignored before any parsing.
MAX_COOKIE_LENGTH = 200
#: Read once per request (kept in the request's environ, like the bound onboarding).
_CACHE_KEY = "wizard.device_id"


def _lifetime() -> timedelta:
    return timedelta(days=current_app.config["DEVICE_COOKIE_DAYS"])


def _from_cookie() -> str | None:
    value = request.cookies.get(current_app.config["DEVICE_COOKIE_NAME"])
    if not value or len(value) > MAX_COOKIE_LENGTH:
        return None
    try:
        device_id = serializer(DEVICE_SALT).loads(
            value, max_age=int(_lifetime().total_seconds()))
    except BadData:
        return None
    return device_id if isinstance(device_id, str) and 16 <= len(device_id) <= 64 else None


def device_id() -> str:
    """This browser's device id: the cookie's, or a new one. The response (re)sets the cookie,
    so a browser that keeps opening its link stays recognised."""
    known = request.environ.get(_CACHE_KEY)
    if known is not None:
        return known
    device = request.environ[_CACHE_KEY] = _from_cookie() or secrets.token_urlsafe(24)

    @after_this_request
    def remember(response):
        config = current_app.config
        response.set_cookie(config["DEVICE_COOKIE_NAME"], serializer(DEVICE_SALT).dumps(device),
                            max_age=int(_lifetime().total_seconds()),
                            secure=config["DEVICE_COOKIE_SECURE"], httponly=True, samesite="Lax",
                            path="/")
        return response

    return device
