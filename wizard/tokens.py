"""Signed, expiring tokens: one salt per purpose, any configured secret key verifies."""
from __future__ import annotations

from flask import current_app
from itsdangerous import URLSafeTimedSerializer

INVITE_SALT = "wizard.invite-link.v1"
DEVICE_SALT = "wizard.device-cookie.v1"
DELEGATION_SALT = "wizard.delegation-link.v1"


def serializer(salt: str) -> URLSafeTimedSerializer:
    """A serializer that signs with the newest secret key and accepts all configured ones."""
    # itsdangerous treats a list as rotation: the last key signs, all keys verify.
    keys = list(reversed(current_app.config["SECRET_KEYS"]))
    return URLSafeTimedSerializer(keys, salt=salt)
