"""One client organisation's journey through the wizard."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.ext.mutable import MutableDict
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wizard.extensions import db
from wizard.models.answers import Answers
from wizard.models.base import UTCDateTime, utcnow


class OnboardingStatus(str, enum.Enum):
    """Where an onboarding stands, as support sees it."""

    INVITED = "invited"          # created, link not opened yet
    IN_PROGRESS = "in_progress"  # client has opened the link
    COMPLETED = "completed"      # client finished the wizard
    REVOKED = "revoked"          # support withdrew the invite
    EXPIRED = "expired"          # not finished in time


def new_public_id() -> str:
    """128 bits of randomness: the id in URLs must not be guessable. Never starting with "-",
    so support can pass it to a command without it reading as an option."""
    while True:
        public_id = secrets.token_urlsafe(16)
        if not public_id.startswith("-"):
            return public_id


class JourneyKind(str, enum.Enum):
    """Why the client walks the wizard: a first connection, or new credentials for a live one."""

    NEW = "new"                              # the first onboarding of an organisation
    SWITCH_TO_CONSENT = "switch_to_consent"  # move a token connection to "Inloggen met Nmbrs"
    RELINK = "relink"                        # new credentials for a connection (token revoked, ...)


class Onboarding(db.Model):
    """One journey through the wizard. Re-connections of a live connection are journeys too:
    they point at the first one (``parent``), whose public id is the connection's id."""

    __tablename__ = "onboarding"
    # Support's list sorts and filters on these; the API pages through updated_at.
    __table_args__ = (Index("ix_onboarding_updated_at_id", "updated_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, index=True, default=new_public_id)
    kind: Mapped[JourneyKind] = mapped_column(
        db.Enum(JourneyKind, native_enum=False, length=24,
                values_callable=lambda e: [m.value for m in e]),
        default=JourneyKind.NEW)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("onboarding.id", ondelete="CASCADE"), index=True)
    # Which hand-off of the connection this journey's completion is (1 = first; highest wins).
    revision: Mapped[int | None] = mapped_column(Integer)
    organisation: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(5), default="nl")
    # Which Nmbrs permission profile this client's integration needs (see wizard/nmbrs/profiles).
    profile: Mapped[str] = mapped_column(String(40), default="payroll")
    status: Mapped[OnboardingStatus] = mapped_column(
        db.Enum(OnboardingStatus, native_enum=False, length=20,
                values_callable=lambda e: [m.value for m in e]),
        default=OnboardingStatus.INVITED, index=True)
    # sha256 of the nonce in the current invite link; a new link replaces it.
    invite_nonce_hash: Mapped[str | None] = mapped_column(String(64))
    # What the client answered per step, keyed by step name; read it through ``answers``.
    # Holds no secrets: credentials live encrypted in their own table.
    raw_answers: Mapped[dict] = mapped_column("answers", MutableDict.as_mutable(JSON), default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the client first and last opened a valid invite link (also in the audit trail).
    first_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The step the client is on, as of their last change (kept by ``wizard.progress``).
    current_step: Mapped[str | None] = mapped_column(String(32))
    # The client's last action, or the creation: what "stalled" and the reminders go by.
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # Support can switch reminder emails off for one onboarding.
    reminders_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # When the retention rules erased this ended journey's personal data (wizard/handoff/retention.py).
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    parent: Mapped["Onboarding | None"] = relationship(remote_side=[id])

    @property
    def connection_id(self) -> str:
        """The connection's stable id: the first journey's public id (the sync backend keys on it)."""
        return self.parent.public_id if self.parent is not None else self.public_id

    @property
    def is_expired(self) -> bool:
        return self.status is not OnboardingStatus.COMPLETED and utcnow() >= self.expires_at

    @property
    def is_open(self) -> bool:
        """The client may still work on it."""
        return self.status in (OnboardingStatus.INVITED, OnboardingStatus.IN_PROGRESS) and not self.is_expired

    @property
    def answers(self) -> Answers:
        """What the client answered, with named fields (see ``wizard.models.answers``)."""
        if self.raw_answers is None:
            self.raw_answers = {}
        return Answers(self.raw_answers)

    def __repr__(self) -> str:
        return f"<Onboarding {self.public_id} {self.status.value}>"
