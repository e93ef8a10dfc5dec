"""Support's list with 10,000 onboardings: one query per page whatever the filter or sort, and
how long a page takes (SQLite and PostgreSQL).

Run with ``make benchmark``; the timings land in the benchmark table and on stdout (``-s``).
``make test`` runs it too, as a check that a page stays one query (not as a timed test).
"""
from __future__ import annotations

import random
import secrets
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import event, insert

from wizard.extensions import db
from wizard.models import (AuditEvent, MailMessage, Onboarding, OutboxMessage, ValidationRun)
from wizard.models.base import utcnow
from wizard.journeys import connection_report
from wizard.reporting.funnel import funnel
from wizard.reporting.overview import Flag, OverviewQuery, Sort, overview

ONBOARDINGS = 10_000
STATUSES = ["invited", "in_progress", "in_progress", "completed", "revoked", "expired"]
STEPS = ["terms", "package", "method", "credentials", "validation", "entities"]


def seed(count: int) -> None:
    """``count`` onboardings in every state, with runs, emails, hand-offs and events (bulk inserts)."""
    rng = random.Random(7)
    now = utcnow()
    rows = []
    for number in range(count):
        created = now - timedelta(days=rng.uniform(0, 60))
        status = rng.choice(STATUSES)
        rows.append({
            "public_id": secrets.token_urlsafe(16), "kind": "new", "organisation": f"Organisatie {number:05d} B.V.",
            "contact_email": f"hr{number}@example.nl", "contact_name": f"Contact {number}", "language": "nl",
            "profile": "payroll", "status": status, "raw_answers": {}, "created_at": created,
            "updated_at": created, "expires_at": created + timedelta(days=14),
            "last_activity_at": created + timedelta(hours=rng.uniform(0, 72)),
            "current_step": "done" if status == "completed" else rng.choice(STEPS),
            "reminders_enabled": True})
    db.session.execute(insert(Onboarding), rows)
    ids = db.session.scalars(db.select(Onboarding.id)).all()
    failing = [{"group": "CompanyService", "name": "Run_GetList", "required": True,
                "status": "not_enabled", "code": 1002, "kind": "not_enabled", "ms": 3}]
    db.session.execute(insert(ValidationRun), [
        {"onboarding_id": i, "method": "token", "started_at": now, "duration_ms": 5, "profile": "payroll",
         "authenticated": True, "required_ok": i % 3 != 0, "checked": 9, "ok_count": 8,
         "checks": failing if i % 3 == 0 else []} for i in ids[::4]])
    db.session.execute(insert(MailMessage), [
        {"onboarding_id": i, "kind": "invite", "recipient": f"hr{i}@example.nl", "subject": "Uitnodiging",
         "context": {}, "state": "failed" if i % 50 == 0 else "sent", "attempts": 1,
         "created_at": now, "updated_at": now} for i in ids])
    db.session.execute(insert(OutboxMessage), [
        {"message_id": "msg_" + secrets.token_urlsafe(18), "event_type": "onboarding.completed",
         "onboarding_id": i, "payload": {}, "state": "dead" if i % 40 == 0 else "delivered",
         "attempts": 1, "created_at": now, "updated_at": now} for i in ids[::5]])
    db.session.execute(insert(AuditEvent), [
        {"onboarding_id": i, "occurred_at": now, "actor": "client", "event_type": event_type, "details": {}}
        for i in ids for event_type in ("invite.opened", "terms.accepted")]
        + [{"onboarding_id": i, "occurred_at": now, "actor": "client",
            "event_type": "entities.excess_access_accepted", "details": {}} for i in ids[::30]])
    db.session.commit()


class StatementCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args, **kwargs):
        self.count += 1


@pytest.fixture
def statements(app):
    counter = StatementCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    yield counter
    event.remove(db.engine, "before_cursor_execute", counter)


QUERIES = {
    "default (newest activity)": OverviewQuery(),
    "search": OverviewQuery(search="organisatie 09"),
    "waiting for rights": OverviewQuery(flag=Flag.MISSING_RIGHTS),
    "stalled, by organisation": OverviewQuery(flag=Flag.STALLED, sort=Sort.ORGANISATION, descending=False),
    "expired, page 20": OverviewQuery(status="expired", page=20),
}


@pytest.mark.both_databases
def test_a_page_of_ten_thousand_is_one_query(benchmark, app, statements, db_backend):
    started = time.perf_counter()
    seed(ONBOARDINGS)
    seeded = time.perf_counter() - started
    timings = {}
    for name, query in QUERIES.items():
        statements.count = 0
        page = overview(query)
        assert statements.count == 1, (name, statements.count)
        assert page.total > 0 and page.rows, name
        rounds = []
        for _ in range(3):
            began = time.perf_counter()
            overview(query)
            rounds.append(time.perf_counter() - began)
        timings[name] = min(rounds)
    for name, work in (("funnel, 60 days", lambda: funnel(date.today() - timedelta(days=60), date.today())),
                       ("connection report", connection_report)):
        with app.test_request_context():
            began = time.perf_counter()
            work()
            timings[name] = time.perf_counter() - began
    benchmark.pedantic(overview, args=(OverviewQuery(),), rounds=5, iterations=1)
    benchmark.extra_info.update({name: round(seconds * 1000, 1) for name, seconds in timings.items()})
    print(f"\n{db_backend}, {ONBOARDINGS} onboardings (seeded in {seeded:.1f} s), one page of 50:")
    for name, seconds in timings.items():
        print(f"  {name:<28} {seconds * 1000:7.1f} ms")


def test_the_list_page_over_http_makes_a_fixed_number_of_queries(app, statements):
    from tests.dashboard.conftest import PASSWORD, SupportActions
    from wizard.models import SupportRole
    from wizard.staff import create_user

    seed(2_000)
    create_user(email="agent@support.example", role=SupportRole.AGENT, password=PASSWORD)
    support = SupportActions(app.test_client())
    support.login("agent@support.example")
    counts = []
    for path in ("/support/?partial=1", "/support/?partial=1&page=3&status=completed&sort=organisation"):
        statements.count = 0
        began = time.perf_counter()
        assert support.client.get(path).status_code == 200
        counts.append(statements.count)
        print(f"\nGET {path}: {statements.count} queries, {(time.perf_counter() - began) * 1000:.0f} ms")
    assert counts[0] == counts[1] <= 3  # the session, its user, the page: never one per row
