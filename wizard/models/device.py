"""Browsers an onboarding trusts, and the one-time codes that let a new browser join.

A browser is known by a random device id in a signed cookie (``wizard.client_device``);
the database keeps only the id's sha256, and a code only as an HMAC. See
``wizard/invites/devices.py`` for the rules.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wizard.extensions import db
from wizard.models.base import UTCDateTime, utcnow
from wizard.models.onboarding import Onboarding


class TrustedDevice(db.Model):
    """A browser that may open this onboarding's link without a code."""

    __tablename__ = "trusted_device"
    __table_args__ = (UniqueConstraint("onboarding_id", "device_hash",
                                       name="uq_trusted_device_onboarding_device"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = mapped_column(ForeignKey("onboarding.id", ondelete="CASCADE"),
                                               index=True)
    device_hash: Mapped[str] = mapped_column(String(64))
    # How it came to be trusted: "first_open", "session" or "code".
    reason: Mapped[str] = mapped_column(String(16))
    trusted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    onboarding: Mapped[Onboarding] = relationship(
        backref=db.backref("trusted_devices", cascade="all, delete-orphan", lazy="dynamic"))


class DeviceCode(db.Model):
    """A one-time code mailed to the invitee for one browser; dead once used, expired or
    entered wrongly too often."""

    __tablename__ = "device_code"
    __table_args__ = (Index("ix_device_code_onboarding_created", "onboarding_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = mapped_column(ForeignKey("onboarding.id", ondelete="CASCADE"))
    # The browser that asked; only that browser can use the code.
    device_hash: Mapped[str] = mapped_column(String(64), index=True)
    # HMAC-SHA256 of the code under the app's secret key: a database reader cannot try
    # the million possible codes against it.
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Set when the code was used, replaced by a newer one, or locked after too many attempts.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    onboarding: Mapped[Onboarding] = relationship(
        backref=db.backref("device_codes", cascade="all, delete-orphan", lazy="dynamic"))
