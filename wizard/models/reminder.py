"""Reminder emails sent to clients who stopped, one row per reminder (never the same one twice)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wizard.extensions import db
from wizard.models.base import UTCDateTime, utcnow
from wizard.models.onboarding import Onboarding


class Reminder(db.Model):
    """A reminder that went out (or is on its way) for one onboarding.

    ``slot`` names the rule (``idle-3``: three days without a move, ``expiry``: the
    link expires soon) and ``anchor`` the moment it refers to (the last activity, or
    the expiry). The unique constraint is what makes "never twice" hold, also with
    several delivery workers.
    """

    __tablename__ = "reminder"
    __table_args__ = (UniqueConstraint("onboarding_id", "slot", "anchor", name="uq_reminder_slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = mapped_column(ForeignKey("onboarding.id", ondelete="CASCADE"), index=True)
    slot: Mapped[str] = mapped_column(String(20))
    anchor: Mapped[datetime] = mapped_column(UTCDateTime())
    mail_message_id: Mapped[int | None] = mapped_column(ForeignKey("mail_message.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    onboarding: Mapped[Onboarding] = relationship()

    def __repr__(self) -> str:
        return f"<Reminder {self.slot} onboarding={self.onboarding_id}>"
