"""Support staff: accounts, their server-side sessions, login throttling, and the CRM's API keys.

Nothing here holds a secret in clear: passwords are argon2 hashes, session tokens
and API keys are stored as SHA-256 digests of high-entropy random values (the
browser or the CRM holds the only copy), so a reader of the database can neither
log in nor call the API.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wizard.extensions import db
from wizard.models.base import UTCDateTime, utcnow


def _enum(kind, length: int):
    return db.Enum(kind, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class SupportRole(str, enum.Enum):
    """Agents read and act on onboardings; admins also manage support accounts and API keys."""

    AGENT = "agent"
    ADMIN = "admin"


class SupportUser(db.Model):
    """A support employee who logs in to the dashboard (Flask-Login's user object)."""

    __tablename__ = "support_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[SupportRole] = mapped_column(_enum(SupportRole, 10), default=SupportRole.AGENT)
    # argon2id hash (argon2-cffi's PHC string); None for single-sign-on-only accounts.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Flask-Login's user protocol (its UserMixin would add an id-based get_id we do not use).
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_admin(self) -> bool:
        return self.role is SupportRole.ADMIN

    def __repr__(self) -> str:
        return f"<SupportUser {self.id} {self.role.value}>"


class SupportSession(db.Model):
    """One login of a support user; the browser's cookie holds the token whose digest this is.

    A session ends when the user logs out, is deactivated, stays idle too long or
    reaches its absolute lifetime; an ended session never comes back, so a copied
    cookie is useless afterwards.
    """

    __tablename__ = "support_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("support_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # "logout", "idle", "expired", "deactivated", "password_changed", "replaced"
    ended_reason: Mapped[str | None] = mapped_column(String(20))

    user: Mapped[SupportUser] = relationship()

    def __repr__(self) -> str:
        return f"<SupportSession {self.id} user={self.user_id} ended={self.ended_reason}>"


class LoginThrottle(db.Model):
    """Failed logins per e-mail address (hashed, known or not, so the lockout reveals nothing)."""

    __tablename__ = "login_throttle"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_hash: Mapped[str] = mapped_column(String(64), unique=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApiScope(str, enum.Enum):
    """What an API key may do: read, or read and write (create invites, resend, revoke, relink)."""

    READ = "read"
    WRITE = "write"


class ApiKey(db.Model):
    """A key the CRM authenticates with; only its digest is stored (the key is shown once)."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # The key's visible start (``wzk_`` + 8 characters), so people can tell keys apart.
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[ApiScope] = mapped_column(_enum(ApiScope, 10), default=ApiScope.READ)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("support_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("support_user.id", ondelete="SET NULL"))

    created_by: Mapped[SupportUser | None] = relationship(foreign_keys=[created_by_id])

    def allows(self, scope: ApiScope) -> bool:
        """A write key may also read."""
        return self.revoked_at is None and (scope is ApiScope.READ or self.scope is ApiScope.WRITE)

    def __repr__(self) -> str:
        return f"<ApiKey {self.id} {self.prefix} {self.scope.value}>"


class IdempotencyRecord(db.Model):
    """The answer to one POST made with an ``Idempotency-Key``, replayed to a retry of it.

    ``response`` never holds an invite link: a replay answers without it.
    """

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("api_key_id", "key", name="uq_idempotency_record_key"),
                      Index("ix_idempotency_record_created_at", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_key.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    # SHA-256 of method, path and body: the same key with another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)  # None while the first request runs
    response: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
