"""Evidence that a person accepted a version of the terms for an onboarding."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wizard.extensions import db
from wizard.models.base import UTCDateTime, utcnow
from wizard.models.onboarding import Onboarding


class TermsAcceptance(db.Model):
    """One tick of the box: which version, when, by whom (typed name), from where."""

    __tablename__ = "terms_acceptance"
    # One row per version and person (accepting again adds nothing; see steps/terms.py).
    __table_args__ = (UniqueConstraint("onboarding_id", "version", "accepted_name",
                                       name="uq_terms_acceptance_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(5))  # the language of the text that was shown
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    accepted_name: Mapped[str] = mapped_column(String(200))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))

    onboarding: Mapped[Onboarding] = relationship(
        backref=db.backref("terms_acceptances", cascade="all, delete-orphan", lazy="dynamic",
                           order_by="TermsAcceptance.accepted_at"))

    def __repr__(self) -> str:
        return f"<TermsAcceptance {self.version} onboarding={self.onboarding_id}>"


def signatory_name(onboarding: Onboarding) -> str:
    """Who the contact is, by name: as typed when accepting the terms, else the invite's name,
    else their address (the Nmbrs administrator's email and pages name them)."""
    accepted = onboarding.terms_acceptances.order_by(None).order_by(
        TermsAcceptance.accepted_at.desc()).first()
    return (accepted.accepted_name if accepted else None) or onboarding.contact_name \
        or onboarding.contact_email
