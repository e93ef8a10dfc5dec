"""The audit trail: who did what to an onboarding, and when. Never holds secrets."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from flask import g, has_app_context
from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wizard.extensions import db
from wizard.models.base import UTCDateTime, utcnow
from wizard.models.onboarding import Onboarding

if TYPE_CHECKING:
    from wizard.models.support import ApiKey, SupportUser

# Keys that would suggest a secret slipped into the details.
_FORBIDDEN_DETAIL_KEYS = {"token", "password", "secret", "access_token", "refresh_token", "api_token",
                          "link", "api_key"}


class Actor(str, enum.Enum):
    CLIENT = "client"
    SUPPORT = "support"
    SYSTEM = "system"
    #: The Nmbrs administrator the contact handed the Nmbrs part to (``wizard.delegation``).
    DELEGATE = "delegate"


#: Where a request of a client's browser says whom its client-side events are by: the contact
#: (``Actor.CLIENT``) or their Nmbrs administrator (set by ``wizard.client_session``).
CLIENT_ACTOR = "wizard_client_actor"


@dataclass(frozen=True)
class SupportActor:
    """A support action's author: a signed-in support user, or the CRM through an API key.

    Service functions take it wherever they take an ``Actor``; the event is recorded
    as ``Actor.SUPPORT`` with a reference to the user or key.
    """

    user_id: int | None = None
    api_key_id: int | None = None


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_onboarding_type", "onboarding_id", "event_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int | None] = mapped_column(ForeignKey("onboarding.id", ondelete="CASCADE"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[Actor] = mapped_column(
        db.Enum(Actor, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e]))
    event_type: Mapped[str] = mapped_column(String(64), index=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    # Which support user or API key acted (support events only).
    support_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_user.id", ondelete="SET NULL"), index=True)
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_key.id", ondelete="SET NULL"))

    onboarding: Mapped[Onboarding | None] = relationship()
    support_user: Mapped["SupportUser | None"] = relationship()
    api_key: Mapped["ApiKey | None"] = relationship()


def secret_looking_keys(mapping: dict) -> list[str]:
    """Keys of ``mapping`` whose names suggest a secret (records refuse these)."""
    return sorted(_FORBIDDEN_DETAIL_KEYS.intersection(k.lower() for k in mapping))


def record_event(onboarding: Onboarding | None, actor: Actor | SupportActor, event_type: str,
                 **details) -> AuditEvent:
    """Add an audit event to the session (the caller's transaction commits it).

    The onboarding counts as updated; a client's event (or their Nmbrs administrator's) is
    also its last activity (what support's list and the reminders go by). Client events in a
    session of the administrator the contact delegated to are recorded as ``Actor.DELEGATE``.
    """
    leaked = secret_looking_keys(details)
    if leaked:
        raise ValueError(f"audit details must not carry secrets: {leaked}")
    if actor is Actor.CLIENT and has_app_context():
        actor = g.get(CLIENT_ACTOR, Actor.CLIENT)  # the administrator, in their own session
    by = actor if isinstance(actor, SupportActor) else SupportActor()
    event = AuditEvent(onboarding=onboarding, actor=Actor.SUPPORT if isinstance(actor, SupportActor)
                       else actor, event_type=event_type, details=details,
                       support_user_id=by.user_id, api_key_id=by.api_key_id, occurred_at=utcnow())
    db.session.add(event)
    if onboarding is not None:
        onboarding.updated_at = event.occurred_at
        if event.actor in (Actor.CLIENT, Actor.DELEGATE):
            onboarding.last_activity_at = event.occurred_at
    return event
