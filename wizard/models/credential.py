"""Credentials a client entered, encrypted from the first moment they are stored."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wizard.extensions import db
from wizard.models.base import UTCDateTime, utcnow
from wizard.models.onboarding import Onboarding
from wizard.vault import EncryptedJSON


class Credential(db.Model):
    """The secret half of a connection: API token or OAuth tokens.

    ``secret`` is a JSON object encrypted by the vault (e.g. ``{"username": ...,
    "token": ..., "domain": ...}`` for the token method). Only non-secret
    metadata sits in clear columns. ``purged_at`` is set when the secret has
    been handed off and deleted (data minimisation).
    """

    __tablename__ = "credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding.id", ondelete="CASCADE"), unique=True, index=True)
    method: Mapped[str] = mapped_column(String(16))  # "token" or "oauth"
    secret: Mapped[dict | None] = mapped_column(EncryptedJSON())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    onboarding: Mapped[Onboarding] = relationship(
        backref=db.backref("credential", uselist=False, cascade="all, delete-orphan"))

    def __repr__(self) -> str:
        return f"<Credential {self.method} onboarding={self.onboarding_id}>"
