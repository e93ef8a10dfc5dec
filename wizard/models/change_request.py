"""A client's request, after finishing, to change which companies are connected."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wizard.extensions import db
from wizard.models.base import UTCDateTime, utcnow
from wizard.models.onboarding import Onboarding

if TYPE_CHECKING:
    from wizard.models.support import SupportUser


class ChangeRequestState(str, enum.Enum):
    OPEN = "open"          # waiting for support
    HANDLED = "handled"    # support sent a link to change the choice, or settled it otherwise


class ChangeResolution(str, enum.Enum):
    RELINK = "relink"      # support invited the client to a re-connection (companies chosen anew)
    CLOSED = "closed"      # settled without a new link (e.g. on the phone)


class ChangeRequest(db.Model):
    """One request from the client of a completed journey; the client's own words stay here
    (the audit trail only points at the row). A connection has at most one open request."""

    __tablename__ = "change_request"
    __table_args__ = (Index("ix_change_request_onboarding_state", "onboarding_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = mapped_column(ForeignKey("onboarding.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(5))
    state: Mapped[ChangeRequestState] = mapped_column(
        db.Enum(ChangeRequestState, native_enum=False, length=10,
                values_callable=lambda e: [m.value for m in e]),
        default=ChangeRequestState.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_user.id", ondelete="SET NULL"))
    resolution: Mapped[ChangeResolution | None] = mapped_column(
        db.Enum(ChangeResolution, native_enum=False, length=10,
                values_callable=lambda e: [m.value for m in e]))

    onboarding: Mapped[Onboarding] = relationship()
    handled_by: Mapped["SupportUser | None"] = relationship()

    def __repr__(self) -> str:
        return f"<ChangeRequest {self.id} {self.state.value}>"
