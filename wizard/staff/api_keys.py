"""API keys for the CRM: made by admins, shown once, stored as a SHA-256 digest, revocable.

A key is ``wzk_`` followed by 43 random URL-safe characters (256 bits), so a plain
digest is enough to store it (there is nothing to guess); the first 12 characters
are kept in clear so people can tell keys apart.
"""
from __future__ import annotations

import enum
import hashlib
import hmac
import secrets

from wizard.extensions import db
from wizard.models import ApiKey, ApiScope, SupportActor, SupportUser, record_event
from wizard.models.base import utcnow

KEY_PREFIX = "wzk_"
VISIBLE_CHARACTERS = 12
MAX_KEY_LENGTH = 100


class ApiKeyProblem(str, enum.Enum):
    """Why a presented key does not authenticate (each has its own API error code)."""

    MISSING = "missing_api_key"
    INVALID = "invalid_api_key"
    REVOKED = "revoked_api_key"


class ApiKeyRefused(Exception):
    def __init__(self, problem: ApiKeyProblem):
        super().__init__(problem.value)
        self.problem = problem


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(*, name: str, scope: ApiScope, by: SupportUser) -> tuple[ApiKey, str]:
    """A new key and its only plain copy, to show once (commits)."""
    name = " ".join((name or "").split())[:100]
    if not name:
        raise ValueError("an API key needs a name")
    plain = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, prefix=plain[:VISIBLE_CHARACTERS], key_hash=_digest(plain),
                 scope=ApiScope(scope), created_by=by)
    db.session.add(key)
    db.session.flush()
    record_event(None, SupportActor(user_id=by.id), "api_key.created", api_key_id=key.id,
                 scope=key.scope.value)
    db.session.commit()
    return key, plain


def revoke_api_key(key: ApiKey, *, by: SupportUser) -> None:
    """The key stops working at once (commits)."""
    if key.revoked_at is not None:
        return
    key.revoked_at = utcnow()
    key.revoked_by_id = by.id
    record_event(None, SupportActor(user_id=by.id), "api_key.revoked", api_key_id=key.id)
    db.session.commit()


def list_api_keys() -> list[ApiKey]:
    return list(db.session.scalars(db.select(ApiKey).order_by(ApiKey.revoked_at.is_not(None),
                                                              ApiKey.created_at.desc())))


def authenticate_api_key(presented: str | None) -> ApiKey:
    """The live key presented, or ``ApiKeyRefused`` naming the problem; notes its last use."""
    if not presented:
        raise ApiKeyRefused(ApiKeyProblem.MISSING)
    if len(presented) > MAX_KEY_LENGTH or not presented.startswith(KEY_PREFIX):
        raise ApiKeyRefused(ApiKeyProblem.INVALID)
    digest = _digest(presented)
    key = db.session.execute(db.select(ApiKey).filter_by(key_hash=digest)).scalar_one_or_none()
    if key is None or not hmac.compare_digest(key.key_hash, digest):
        raise ApiKeyRefused(ApiKeyProblem.INVALID)
    if key.revoked_at is not None:
        raise ApiKeyRefused(ApiKeyProblem.REVOKED)
    key.last_used_at = utcnow()
    return key
