"""The Nmbrs part handed to the client's Nmbrs administrator ("Stuur dit naar mijn Nmbrs-beheerder").

The contact who got the invite is often not the one who manages Nmbrs. A delegation
gives that administrator a link of their own (signed, expiring, revocable; the table
keeps only the sha256 of its nonce, as for invites) that opens only the Nmbrs part of
the onboarding. One delegation per onboarding is open at a time.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wizard.extensions import db
from wizard.models.base import UTCDateTime, utcnow
from wizard.models.onboarding import Onboarding, new_public_id


class DelegationState(str, enum.Enum):
    """Where a delegation stands (derived from its timestamps)."""

    OPEN = "open"            # the administrator may work on it
    FINISHED = "finished"    # the check passed: back to the contact
    REVOKED = "revoked"      # the contact took it back, or sent it to someone else
    EXPIRED = "expired"      # the link's time ran out before the check passed


class Delegation(db.Model):
    __tablename__ = "delegation"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, index=True, default=new_public_id)
    onboarding_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding.id", ondelete="CASCADE"), index=True)
    # The administrator's address and, if the contact gave it, name; the language of their link.
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(5), default="nl")
    # sha256 of the nonce in the administrator's current link; a resend replaces it.
    nonce_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    onboarding: Mapped[Onboarding] = relationship(
        backref=db.backref("delegations", cascade="all, delete-orphan", lazy="dynamic"))

    @property
    def state(self) -> DelegationState:
        if self.revoked_at is not None:
            return DelegationState.REVOKED
        if self.finished_at is not None:
            return DelegationState.FINISHED
        if utcnow() >= self.expires_at:
            return DelegationState.EXPIRED
        return DelegationState.OPEN

    def __repr__(self) -> str:
        return f"<Delegation {self.public_id} {self.state.value}>"
