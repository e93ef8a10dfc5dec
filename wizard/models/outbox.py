"""The transactional outbox: hand-off messages written with the change they announce."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wizard.extensions import db
from wizard.models.base import UTCDateTime, utcnow
from wizard.models.onboarding import Onboarding


class OutboxState(str, enum.Enum):
    """Where a message stands on its way to the sync backend."""

    PENDING = "pending"      # waiting for its (next) attempt at ``next_attempt_at``
    SENDING = "sending"      # claimed by a worker until ``lease_until``
    DELIVERED = "delivered"  # the backend answered 2xx
    FAILED = "failed"        # the backend refused it (4xx other than 408/429): needs a person
    DEAD = "dead"            # retries exhausted: needs a person


def new_message_id() -> str:
    """The ``webhook-id``: stable across retries so the receiver can de-duplicate."""
    return "msg_" + secrets.token_urlsafe(18)


class OutboxMessage(db.Model):
    """One message for the sync backend.

    ``payload`` is the JSON body (see docs/handoff.md); its credentials are a
    JWE only the backend can open. After delivery the JWE is replaced by its
    digest, so the row keeps no secret material.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_message_due", "state", "next_attempt_at"),
        # One hand-off per onboarding and event: completing twice cannot queue it twice.
        UniqueConstraint("onboarding_id", "event_type", name="uq_outbox_message_onboarding_event"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(40), unique=True, default=new_message_id)
    event_type: Mapped[str] = mapped_column(String(64))
    onboarding_id: Mapped[int | None] = mapped_column(
        ForeignKey("onboarding.id", ondelete="SET NULL"), index=True)
    payload: Mapped[dict] = mapped_column(JSON)
    state: Mapped[OutboxState] = mapped_column(
        db.Enum(OutboxState, native_enum=False, length=10,
                values_callable=lambda e: [m.value for m in e]),
        default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Random per claim: only the worker holding the current claim may record the outcome.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    onboarding: Mapped[Onboarding | None] = relationship()

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.message_id} {self.state.value}>"


class DeliveryEndpoint(db.Model):
    """A sync backend URL the worker delivers to, and whether it told us to stop (HTTP 410).

    Keyed by the URL's SHA-256 (a webhook URL may carry a key in its query); ``url`` keeps only
    scheme, host and path for people to read. While ``disabled_at`` is set nothing is sent to it.
    """

    __tablename__ = "delivery_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    url_hash: Mapped[str] = mapped_column(String(64), unique=True)
    url: Mapped[str] = mapped_column(String(300))
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disabled_status: Mapped[int | None] = mapped_column(Integer)
    # The message whose answer disabled it (its webhook-id).
    disabled_by: Mapped[str | None] = mapped_column(String(40))
    enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<DeliveryEndpoint {self.url} {'disabled' if self.disabled_at else 'enabled'}>"
