"""Every row of every table, to prove a request changed nothing."""
from __future__ import annotations

from wizard.extensions import db


def database_snapshot() -> dict[str, list[tuple]]:
    """All rows of all tables, sorted, read in a fresh transaction."""
    db.session.rollback()
    snapshot = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(table.select()).all()
        snapshot[table.name] = sorted((tuple(map(repr, row)) for row in rows))
    db.session.rollback()
    return snapshot
