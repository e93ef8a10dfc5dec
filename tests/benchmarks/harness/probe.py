"""Validation against its dependency chain: wall time, the slowest single call, one by one.

Measured outside the web app, with nothing else running (the load phases measure the
same runs inside the app, under load, from the ``validation_run`` rows): per profile and
login, the probe once one call at a time and ``rounds`` times with the run's budget.
"""
from __future__ import annotations

import threading
import time

from wizard.nmbrs import KnownEnvironment, NmbrsClient, probe_permissions


class TimedClient:
    """The real client, recording how long each call took (for "the slowest single call")."""

    def __init__(self, client: NmbrsClient):
        self._client = client
        self._lock = threading.Lock()
        self.durations: list[float] = []

    def call(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return self._client.call(*args, **kwargs)
        finally:
            with self._lock:
                self.durations.append(time.perf_counter() - started)

    def take(self) -> list[float]:
        with self._lock:
            taken, self.durations = self.durations, []
        return taken

    def __getattr__(self, name):
        return getattr(self._client, name)


def measure_validation(soap_url: str, credentials, profile: str, *, budget: int, rounds: int,
                       verify: str | bool = True) -> dict:
    """One row: calls, one-by-one and concurrent seconds, speed-up, the worst wall/slowest.

    ``credentials`` carry the domain, as after the credentials step (whose Environment_Get
    the run reuses).
    """
    inner = NmbrsClient(soap_url, timeout=10, workers=budget)
    inner.session.trust_env = False  # REQUESTS_CA_BUNDLE would win over ``verify``
    inner.session.verify = verify
    client = TimedClient(inner)
    known = KnownEnvironment(credentials.domain)

    def probe(workers: int):
        return probe_permissions(credentials, profile, client=client, workers=workers,
                                 environment=known)

    try:
        probe(budget)  # warm up: connections, zeep's caches
        client.take()
        started = time.perf_counter()
        one_by_one = probe(1)
        one_by_one_s = time.perf_counter() - started
        calls = len(client.take())
        walls: list[tuple[float, float]] = []
        for _ in range(max(1, rounds)):
            started = time.perf_counter()
            report = probe(budget)
            walls.append((time.perf_counter() - started, max(client.take())))
    finally:
        client.close()
    if not report.authenticated:
        raise RuntimeError(f"{profile}: the sandbox refused the login (or TLS failed)")
    if [c.status for c in report.operations] != [c.status for c in one_by_one.operations]:
        raise RuntimeError(f"{profile}: concurrent and one-by-one runs disagree")
    concurrent_s = sum(wall for wall, _ in walls) / len(walls)
    worst = max(walls, key=lambda pair: pair[0] / pair[1])
    return {"calls": calls, "workers": budget, "one_by_one_s": round(one_by_one_s, 3),
            "concurrent_s": round(concurrent_s, 3),
            "speedup": round(one_by_one_s / concurrent_s, 2),
            "slowest_ms": round(worst[1] * 1000), "wall_over_slowest": round(worst[0] / worst[1], 2)}
