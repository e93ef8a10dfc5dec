"""Migration 0007 keeps one terms acceptance per onboarding, version and person (the earliest)."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from wizard.extensions import db

NOW = "2026-11-01 00:00:00+00:00"


@pytest.mark.both_databases
def test_0007_drops_repeated_acceptances_and_keeps_the_first(app):
    db.drop_all()
    upgrade(revision="0005")
    with db.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO onboarding (public_id, organisation, contact_email, language, profile, status, "
            "answers, created_at, updated_at, expires_at, kind) VALUES ('pub1', 'Org', 'a@b.example', "
            "'nl', 'payroll', 'in_progress', '{}', :now, :now, :now, 'new')"), {"now": NOW})
        for name, ip in (("Sanne", "192.0.2.1"), ("Sanne", "192.0.2.2"), ("Sanne", "192.0.2.3"),
                         ("Pieter", "192.0.2.4")):
            connection.execute(text(
                "INSERT INTO terms_acceptance (onboarding_id, version, language, accepted_at, "
                "accepted_name, ip_address) VALUES ((SELECT id FROM onboarding), '2026-11', 'nl', :now, "
                ":name, :ip)"), {"now": NOW, "name": name, "ip": ip})
    upgrade(revision="0007")
    with db.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT accepted_name, ip_address FROM terms_acceptance ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [("Sanne", "192.0.2.1"), ("Pieter", "192.0.2.4")]
    downgrade(revision="base")
    db.create_all()
