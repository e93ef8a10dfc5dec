"""A validation run's progress writes never hold up the run's other calls.

``make bench`` (50 managers on SQLite) caught every call of a run waiting behind one progress
write that waited for the database: runs took 30-80 times their slowest call.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager

from wizard.connection.method import Check, CheckStatus
from wizard.connection.validation import _ProgressWriter


def _check(name: str) -> Check:
    return Check(group="CompanyService", name=name, required=True, status=CheckStatus.OK)


class SlowEngine:
    """An engine whose first transaction waits until released (a database busy elsewhere)."""

    def __init__(self):
        self.entered, self.release = threading.Event(), threading.Event()
        self.writes: list[list[dict]] = []

    @contextmanager
    def begin(self):
        first = not self.writes and not self.entered.is_set()
        self.entered.set()
        if first:
            assert self.release.wait(10)
        yield self

    def execute(self, statement):
        self.writes.append(statement.compile().params["checks"])


def test_checks_keep_coming_while_a_progress_write_waits(app):
    writer = _ProgressWriter(run_id=1)
    writer._engine = engine = SlowEngine()
    blocked = threading.Thread(target=writer, args=(_check("first"),))
    blocked.start()
    assert engine.entered.wait(5)

    started = time.monotonic()
    for name in ("second", "third"):
        writer(_check(name))  # another call of the run finished meanwhile
    assert time.monotonic() - started < 0.5, "a check waited for the stuck progress write"

    engine.release.set()
    blocked.join(5)
    time.sleep(0.3)  # past PROGRESS_INTERVAL: the next check writes everything so far
    writer(_check("fourth"))
    assert [c["name"] for c in engine.writes[-1]] == ["first", "second", "third", "fourth"]
