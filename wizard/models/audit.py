"""The audit trail: who did what to an onboarding, and when. Never holds secrets."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wizard.extensions import db
from wizard.models.base import UTCDateTime, utcnow
from wizard.models.onboarding import Onboarding

# Keys that would suggest a secret slipped into the details.
_FORBIDDEN_DETAIL_KEYS = {"token", "password", "secret", "access_token", "refresh_token", "api_token"}


class Actor(str, enum.Enum):
    CLIENT = "client"
    SUPPORT = "support"
    SYSTEM = "system"


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int | None] = mapped_column(ForeignKey("onboarding.id", ondelete="CASCADE"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[Actor] = mapped_column(
        db.Enum(Actor, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e]))
    event_type: Mapped[str] = mapped_column(String(64), index=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    onboarding: Mapped[Onboarding | None] = relationship()


def secret_looking_keys(mapping: dict) -> list[str]:
    """Keys of ``mapping`` whose names suggest a secret (records refuse these)."""
    return sorted(_FORBIDDEN_DETAIL_KEYS.intersection(k.lower() for k in mapping))


def record_event(onboarding: Onboarding | None, actor: Actor, event_type: str, **details) -> AuditEvent:
    """Add an audit event to the session (the caller's transaction commits it)."""
    leaked = secret_looking_keys(details)
    if leaked:
        raise ValueError(f"audit details must not carry secrets: {leaked}")
    event = AuditEvent(onboarding=onboarding, actor=actor, event_type=event_type, details=details)
    db.session.add(event)
    return event
