"""Alembic migrations build exactly the schema the models declare, on every backend."""
import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from wizard.extensions import db


@pytest.mark.both_databases
def test_upgrade_from_empty_matches_the_models_and_downgrades_cleanly(app):
    db.drop_all()
    upgrade()
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []
    downgrade(revision="base")
    with db.engine.connect() as connection:
        remaining = set(db.inspect(connection).get_table_names()) - {"alembic_version"}
    assert remaining == set()
    db.create_all()  # leave the schema the fixture expects to drop


@pytest.mark.both_databases
def test_0005_keeps_stored_runs_readable_both_ways(app):
    """Checks stored by the token-only version get the generic keys (and back on downgrade)."""


    db.drop_all()
    upgrade(revision="0004")
    with db.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO onboarding (public_id, organisation, contact_email, language, profile, "
            "status, answers, created_at, updated_at, expires_at) VALUES ('pub1', 'Org', "
            "'a@b.example', 'nl', 'payroll', 'completed', '{}', :now, :now, :now)"),
            {"now": "2026-11-01 00:00:00+00:00"})
        connection.execute(text(
            "INSERT INTO validation_run (onboarding_id, started_at, duration_ms, profile, username, "
            "authenticated, required_ok, checked, ok_count, operations) VALUES ("
            "(SELECT id FROM onboarding), :now, 5, 'payroll', 'hr@b.example', true, true, 1, 1, :ops)"),
            {"now": "2026-11-01 00:00:00+00:00",
             "ops": '[{"service": "CompanyService", "operation": "List_GetAll", "required": true, '
                    '"status": "ok", "code": null, "kind": null, "ms": 3}]'})
    upgrade(revision="0005")
    with db.engine.connect() as connection:
        checks, method = connection.execute(text("SELECT checks, method FROM validation_run")).one()
        revision, kind = connection.execute(text("SELECT revision, kind FROM onboarding")).one()
    checks = checks if isinstance(checks, list) else json.loads(checks)
    assert checks[0]["group"] == "CompanyService" and checks[0]["name"] == "List_GetAll"
    assert "service" not in checks[0] and method == "token"
    assert (revision, kind) == (1, "new")
    downgrade(revision="0004")
    with db.engine.connect() as connection:
        operations = connection.execute(text("SELECT operations FROM validation_run")).scalar_one()
    operations = operations if isinstance(operations, list) else json.loads(operations)
    assert operations[0]["service"] == "CompanyService"
    downgrade(revision="base")
    db.create_all()


@pytest.mark.both_databases
def test_0006_backfills_last_activity_and_the_step_of_completed_onboardings(app):
    """The last client action becomes last_activity_at (else the creation); completed is done."""
    db.drop_all()
    upgrade(revision="0005")
    with db.engine.begin() as connection:
        for public_id, status in (("open", "in_progress"), ("done", "completed"), ("new", "invited")):
            connection.execute(text(
                "INSERT INTO onboarding (public_id, kind, organisation, contact_email, language, "
                "profile, status, answers, created_at, updated_at, expires_at) VALUES (:p, 'new', "
                "'Org', 'a@b.example', 'nl', 'payroll', :s, '{}', :created, :created, :created)"),
                {"p": public_id, "s": status, "created": "2026-11-01 00:00:00+00:00"})
        connection.execute(text(
            "INSERT INTO audit_event (onboarding_id, occurred_at, actor, event_type, details) VALUES "
            "((SELECT id FROM onboarding WHERE public_id = 'open'), :at, 'client', 'terms.accepted', '{}'), "
            "((SELECT id FROM onboarding WHERE public_id = 'open'), :later, 'system', 'x', '{}')"),
            {"at": "2026-11-03 10:00:00+00:00", "later": "2026-11-05 10:00:00+00:00"})
    upgrade(revision="0006")
    with db.engine.connect() as connection:
        rows = {public_id: (str(activity)[:16], step, bool(reminders)) for public_id, activity, step, reminders
                in connection.execute(text("SELECT public_id, last_activity_at, current_step, "
                                           "reminders_enabled FROM onboarding"))}
    assert rows == {"open": ("2026-11-03 10:00", None, True), "done": ("2026-11-01 00:00", "done", True),
                    "new": ("2026-11-01 00:00", None, True)}
    downgrade(revision="0005")
    downgrade(revision="base")
    db.create_all()
