"""Support's list of onboardings: one SQL query per page, with status, step, activity and flags.

Every flag is an SQL expression over the onboarding and its newest validation
run, invite email and hand-off messages, so the same definition filters the
list, marks its rows, feeds the CSV export and the API. With the indexes of
migration 0006 a page of 10,000 onboardings is one query (the total comes along
as a window count), whatever the filter or sort.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterator

from flask import current_app
from sqlalchemy import JSON, and_, case, exists, func, or_, select, type_coerce
from sqlalchemy.orm import aliased

from wizard.extensions import db
from wizard.invites.service import INVITE_KINDS
from wizard.models import (AuditEvent, ChangeRequest, ChangeRequestState, JourneyKind, MailMessage,
                           MailState, Onboarding, OnboardingStatus, OutboxMessage, OutboxState,
                           ValidationRun)
from wizard.models.base import utcnow

OPEN = (OnboardingStatus.INVITED, OnboardingStatus.IN_PROGRESS)
PER_PAGE = 50
MAX_PER_PAGE = 200


class Flag(str, enum.Enum):
    """Why an onboarding may need support's attention."""

    MISSING_RIGHTS = "missing_rights"           # the newest check found required rights off
    AVG_ACKNOWLEDGED = "avg_acknowledged"       # connected fewer companies than the login sees
    INVITE_EMAIL_FAILED = "invite_email_failed" # the newest invite email could not be delivered
    DELIVERY_FAILED = "delivery_failed"         # the hand-off was refused or dead-lettered
    EXPIRING_SOON = "expiring_soon"             # open, and the link expires within a few days
    STALLED = "stalled"                         # open, and the client has not moved for days
    CHANGE_REQUESTED = "change_requested"       # finished, and asks to change the companies


class Sort(str, enum.Enum):
    ACTIVITY = "activity"
    CREATED = "created"
    ORGANISATION = "organisation"
    STATUS = "status"
    STEP = "step"
    EXPIRES = "expires"


STATUSES = ("invited", "in_progress", "completed", "revoked", "expired")


@dataclass(frozen=True)
class OverviewQuery:
    """What support asked the list for; every field has a harmless default."""

    status: str | None = None
    flag: Flag | None = None
    search: str = ""
    sort: Sort = Sort.ACTIVITY
    descending: bool = True
    page: int = 1
    per_page: int = PER_PAGE


@dataclass(frozen=True)
class OverviewRow:
    """One journey as the list, the export and the API show it (nothing secret)."""

    id: int
    public_id: str
    connection_id: str
    kind: JourneyKind
    organisation: str
    contact_name: str | None
    contact_email: str
    language: str
    profile: str
    status: str
    current_step: str | None
    created_at: datetime
    updated_at: datetime
    last_activity_at: datetime
    expires_at: datetime
    completed_at: datetime | None
    reminders_enabled: bool
    handoff_state: str | None
    missing_rights: tuple[str, ...]
    flags: tuple[Flag, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class OverviewPage:
    rows: list[OverviewRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def effective_status(status: OnboardingStatus, expires_at: datetime, now: datetime) -> str:
    """The status support sees: an open onboarding past its expiry is expired already."""
    return "expired" if status in OPEN and now >= expires_at else status.value


def _status_condition(status: str, now: datetime):
    open_now = and_(Onboarding.status.in_(OPEN), Onboarding.expires_at > now)
    if status == "expired":
        return or_(Onboarding.status == OnboardingStatus.EXPIRED,
                   and_(Onboarding.status.in_(OPEN), Onboarding.expires_at <= now))
    if status in ("invited", "in_progress"):
        return and_(Onboarding.status == OnboardingStatus(status), open_now)
    return Onboarding.status == OnboardingStatus(status)


class _Columns:
    """The correlated expressions one row needs, built for one moment ``now``."""

    def __init__(self, now: datetime):
        config = current_app.config
        self.run = aliased(ValidationRun)
        newest_run = (select(ValidationRun.id).where(ValidationRun.onboarding_id == Onboarding.id)
                      .order_by(ValidationRun.id.desc()).limit(1).correlate(Onboarding)
                      .scalar_subquery())
        self.join_run = self.run.id == newest_run
        open_now = and_(Onboarding.status.in_(OPEN), Onboarding.expires_at > now)
        rights_missing = and_(self.run.authenticated.is_(True), self.run.required_ok.is_(False))
        newest_invite_state = (select(MailMessage.state)
                               .where(MailMessage.onboarding_id == Onboarding.id,
                                      MailMessage.kind.in_(INVITE_KINDS))
                               .order_by(MailMessage.id.desc()).limit(1).correlate(Onboarding)
                               .scalar_subquery())
        self.handoff_state = (select(OutboxMessage.state)
                              .where(OutboxMessage.onboarding_id == Onboarding.id)
                              .order_by(OutboxMessage.id.desc()).limit(1).correlate(Onboarding)
                              .scalar_subquery())
        self.flags = {
            Flag.MISSING_RIGHTS: and_(open_now, rights_missing),
            Flag.AVG_ACKNOWLEDGED: exists().where(
                AuditEvent.onboarding_id == Onboarding.id,
                AuditEvent.event_type == "entities.excess_access_accepted"),
            Flag.INVITE_EMAIL_FAILED: and_(Onboarding.status.in_(OPEN),
                                           newest_invite_state == MailState.FAILED),
            Flag.DELIVERY_FAILED: exists().where(
                OutboxMessage.onboarding_id == Onboarding.id,
                OutboxMessage.state.in_((OutboxState.FAILED, OutboxState.DEAD))),
            Flag.EXPIRING_SOON: and_(open_now, Onboarding.expires_at <= now + timedelta(
                days=config["EXPIRING_SOON_DAYS"])),
            Flag.STALLED: and_(open_now, Onboarding.last_activity_at <= now - timedelta(
                days=config["STALLED_DAYS"])),
            Flag.CHANGE_REQUESTED: exists().where(
                ChangeRequest.onboarding_id == Onboarding.id,
                ChangeRequest.state == ChangeRequestState.OPEN),
        }
        # The checks of a failing run only (for the count and names of missing rights).
        self.failing_checks = type_coerce(case((rights_missing, self.run.checks)), JSON)
        self.root = aliased(Onboarding)

    def select(self):
        return (select(Onboarding, self.root.public_id, self.handoff_state, self.failing_checks,
                       *(expression.label(flag.value) for flag, expression in self.flags.items()))
                .select_from(Onboarding)
                .outerjoin(self.run, self.join_run)
                .outerjoin(self.root, self.root.id == Onboarding.parent_id))


def missing_required(checks: list[dict] | None) -> tuple[str, ...]:
    """Names of the required rights a run found missing."""
    return tuple(check["name"] for check in checks or ()
                 if check.get("required") and check.get("status") != "ok")


def _row(record, now: datetime) -> OverviewRow:
    onboarding, root_public_id, handoff_state, failing_checks = record[:4]
    flags = tuple(flag for flag in Flag if record._mapping[flag.value])
    return OverviewRow(
        id=onboarding.id, public_id=onboarding.public_id,
        connection_id=root_public_id or onboarding.public_id, kind=onboarding.kind,
        organisation=onboarding.organisation, contact_name=onboarding.contact_name,
        contact_email=onboarding.contact_email, language=onboarding.language,
        profile=onboarding.profile,
        status=effective_status(onboarding.status, onboarding.expires_at, now),
        current_step=onboarding.current_step, created_at=onboarding.created_at,
        updated_at=onboarding.updated_at, last_activity_at=onboarding.last_activity_at,
        expires_at=onboarding.expires_at, completed_at=onboarding.completed_at,
        reminders_enabled=onboarding.reminders_enabled,
        handoff_state=OutboxState(handoff_state).value if handoff_state else None,
        missing_rights=missing_required(failing_checks), flags=flags)


_SORT_COLUMNS = {
    Sort.ACTIVITY: Onboarding.last_activity_at,
    Sort.CREATED: Onboarding.created_at,
    Sort.ORGANISATION: func.lower(Onboarding.organisation),
    Sort.STATUS: Onboarding.status,
    Sort.STEP: Onboarding.current_step,
    Sort.EXPIRES: Onboarding.expires_at,
}


def _filtered(columns: _Columns, query: OverviewQuery, now: datetime):
    statement = columns.select()
    if query.status in STATUSES:
        statement = statement.where(_status_condition(query.status, now))
    if query.flag is not None:
        statement = statement.where(columns.flags[query.flag])
    needle = " ".join(query.search.split()).lower()[:200]
    if needle:
        statement = statement.where(or_(
            func.lower(Onboarding.organisation).contains(needle, autoescape=True),
            func.lower(Onboarding.contact_email).contains(needle, autoescape=True)))
    column = _SORT_COLUMNS[query.sort]
    order = (column.desc(), Onboarding.id.desc()) if query.descending else (column.asc(), Onboarding.id.asc())
    return statement.order_by(*order)


def overview(query: OverviewQuery, *, now: datetime | None = None) -> OverviewPage:
    """One page of the list (a single query; the total comes along as a window count)."""
    now = now or utcnow()
    per_page = min(max(query.per_page, 1), MAX_PER_PAGE)
    page = max(query.page, 1)
    columns = _Columns(now)
    statement = (_filtered(columns, query, now).add_columns(func.count().over().label("total"))
                 .limit(per_page).offset((page - 1) * per_page))
    records = db.session.execute(statement).all()
    total = records[0]._mapping["total"] if records else _count(columns, query, now, page)
    return OverviewPage([_row(record, now) for record in records], total, page, per_page)


def _count(columns: _Columns, query: OverviewQuery, now: datetime, page: int) -> int:
    """Only for a page past the end (the window count has no row to ride on)."""
    if page == 1:
        return 0
    return db.session.scalar(select(func.count()).select_from(
        _filtered(columns, query, now).order_by(None).subquery()))


def overview_rows(query: OverviewQuery, *, now: datetime | None = None,
                  batch: int = 500) -> Iterator[OverviewRow]:
    """Every row matching ``query``, streamed in batches (the CSV export)."""
    now = now or utcnow()
    columns = _Columns(now)
    result = db.session.execute(_filtered(columns, query, now).execution_options(yield_per=batch))
    for record in result:
        yield _row(record, now)


def overview_row(onboarding: Onboarding, *, now: datetime | None = None) -> OverviewRow:
    """The list's view of one onboarding (the detail page and the API)."""
    now = now or utcnow()
    columns = _Columns(now)
    return _row(db.session.execute(columns.select().where(Onboarding.id == onboarding.id)).one(), now)


def rows_updated_since(*, updated_since: datetime | None = None, status: str | None = None,
                       after: tuple[datetime, int] | None = None, limit: int = 50,
                       now: datetime | None = None) -> list[OverviewRow]:
    """Journeys changed since a moment, oldest change first, after a cursor ``(updated_at, id)``
    (the API's feed: a change moves a journey to the end, so a poller sees it again)."""
    now = now or utcnow()
    statement = _Columns(now).select()
    if updated_since is not None:
        statement = statement.where(Onboarding.updated_at >= updated_since)
    if status in STATUSES:
        statement = statement.where(_status_condition(status, now))
    if after is not None:
        moment, last_id = after
        statement = statement.where(or_(Onboarding.updated_at > moment,
                                        and_(Onboarding.updated_at == moment, Onboarding.id > last_id)))
    statement = statement.order_by(Onboarding.updated_at, Onboarding.id).limit(limit)
    return [_row(record, now) for record in db.session.execute(statement)]
