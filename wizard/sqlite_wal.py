"""SQLite as a web app's database: the write-ahead log, so readers never block the writer.

In SQLite's default rollback-journal mode a commit waits until no connection is reading,
and readers wait while it commits. With gunicorn's threads, two workers and the background
validation runs, writes then waited past the driver's 5 s busy timeout under load
("database is locked", answered with the 503 page; ``make bench`` with 50 managers). In WAL
mode readers and the one writer at a time go on together, and a writer waits up to
``BUSY_TIMEOUT_MS`` for its turn (a slow page rather than an error when the CPUs are busy).
PostgreSQL is left alone.
"""
from __future__ import annotations

import sqlite3

from flask import Flask
from sqlalchemy import event

#: How long a write waits for another connection's write to finish (the driver's default: 5 s).
BUSY_TIMEOUT_MS = 15_000


def _write_ahead_log(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # kept in the file; in-memory stays "memory"
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; safe with WAL
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()


def init_sqlite(app: Flask) -> None:
    """Put every SQLite connection of the app's engine in WAL mode as it is opened."""
    from wizard.extensions import db

    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _write_ahead_log)
