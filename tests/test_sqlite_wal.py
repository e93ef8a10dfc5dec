"""SQLite runs in write-ahead-log mode, so a long read never makes a write time out."""
from __future__ import annotations

import sqlite3

from sqlalchemy import text

from wizard.extensions import db


def test_sqlite_connections_use_the_write_ahead_log(app):
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 15_000


def test_a_write_commits_while_another_connection_reads(app, make_onboarding):
    make_onboarding()
    make_onboarding(organisation="Tweede B.V.", email="hr@tweede.example")
    path = db.engine.url.database
    reader = sqlite3.connect(path, timeout=0.5)
    try:
        cursor = reader.execute("SELECT organisation FROM onboarding")
        cursor.fetchone()  # an unfinished read holds its snapshot, as a slow page would
        writer = sqlite3.connect(path, timeout=0.5)
        writer.execute("UPDATE onboarding SET contact_name = 'Sanne'")
        writer.commit()  # in rollback-journal mode: "database is locked" after 0.5 s
        writer.close()
    finally:
        reader.close()
