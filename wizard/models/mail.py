"""Emails sent to a client: what was sent, to whom, and whether it arrived at the mail server.

A row holds what is needed to render the message again (kind, language: its own or the
onboarding's, a small non-secret ``context``), never the rendered body: an invite
email carries a link, and a link is a credential. See ``wizard/mail``.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wizard.extensions import db
from wizard.models.base import UTCDateTime, utcnow
from wizard.models.onboarding import Onboarding


class MailState(str, enum.Enum):
    PENDING = "pending"      # not delivered yet; tried again from next_attempt_at
    SENT = "sent"            # the mail server accepted it
    FAILED = "failed"        # given up (refused for good, or too many attempts)
    CANCELLED = "cancelled"  # superseded by a newer message, or the onboarding closed


class MailMessage(db.Model):
    __tablename__ = "mail_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(320))
    # The language to write in when it is not the onboarding's (an email to its Nmbrs administrator).
    language: Mapped[str | None] = mapped_column(String(5))
    subject: Mapped[str] = mapped_column(String(300))
    # Extra template values given by the caller; checked to hold no secrets.
    context: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[MailState] = mapped_column(
        db.Enum(MailState, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e]),
        default=MailState.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    onboarding: Mapped[Onboarding] = relationship(
        backref=db.backref("mail_messages", cascade="all, delete-orphan", lazy="dynamic"))

    def __repr__(self) -> str:
        return f"<MailMessage {self.id} {self.kind} {self.state.value}>"
