"""What the wizard learned from Nmbrs while connecting: validation runs and reachable entities.

Neither table holds a secret: a run stores per-right outcomes (status, fault code,
latency) and the entity snapshot stores debtor/company ids, numbers and names.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wizard.extensions import db
from wizard.models.base import UTCDateTime, utcnow
from wizard.models.onboarding import Onboarding


class ValidationRun(db.Model):
    """One check of an onboarding's credentials against its profile, kept for support."""

    __tablename__ = "validation_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding.id", ondelete="CASCADE"), index=True)
    # The connection method that was checked ("token", "oauth").
    method: Mapped[str] = mapped_column(String(16), default="token")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # NULL while the run is still going (checks arrive one by one, in the background).
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # How many rights the run checks (known at the start, for "12 van 22 gecontroleerd").
    total: Mapped[int] = mapped_column(Integer, default=0)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    profile: Mapped[str] = mapped_column(String(40))
    # Whose credentials: the token login's e-mail or the Nmbrs user who consented.
    username: Mapped[str | None] = mapped_column(String(320))
    domain: Mapped[str | None] = mapped_column(String(100))
    authenticated: Mapped[bool] = mapped_column(Boolean, default=False)
    # Why the run could not get going (bad credentials, unreachable, ...).
    failure: Mapped[str | None] = mapped_column(String(40))
    required_ok: Mapped[bool] = mapped_column(Boolean, default=False)
    checked: Mapped[int] = mapped_column(Integer, default=0)
    ok_count: Mapped[int] = mapped_column(Integer, default=0)
    # [{"group", "name", "required", "status", "code", "kind", "ms"}, ...] (Check.as_dict())
    checks: Mapped[list] = mapped_column(JSON, default=list)

    onboarding: Mapped[Onboarding] = relationship()

    @property
    def running(self) -> bool:
        return self.finished_at is None

    @property
    def failed(self) -> list[dict]:
        return [check for check in self.checks if check["status"] != "ok"]

    @property
    def optional_failed(self) -> list[str]:
        return [check["name"] for check in self.failed if not check["required"]]

    def __repr__(self) -> str:
        return f"<ValidationRun {self.id} onboarding={self.onboarding_id} ok={self.required_ok}>"


class EntitySnapshot(db.Model):
    """The debtors and companies a login could reach at one moment (newest one counts)."""

    __tablename__ = "entity_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    onboarding_id: Mapped[int] = mapped_column(
        ForeignKey("onboarding.id", ondelete="CASCADE"), index=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    source: Mapped[str] = mapped_column(String(20))  # "validation" or "recheck"
    # [{"id", "number", "name"}] and [{"id", "number", "name", "debtor_id"}]
    debtors: Mapped[list] = mapped_column(JSON, default=list)
    companies: Mapped[list] = mapped_column(JSON, default=list)

    onboarding: Mapped[Onboarding] = relationship()

    def __repr__(self) -> str:
        return f"<EntitySnapshot {self.id} companies={len(self.companies)}>"
