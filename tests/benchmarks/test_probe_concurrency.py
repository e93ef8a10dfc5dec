"""Validation wall time against its dependency chain: every profile, on ``full`` and ``accountant``.

Run with ``make benchmark``. Per profile and login it runs the probe one call at a time
and with the configured concurrency, against the sandbox with latency and jitter
(tests/benchmarks/conftest.py), and reports wall time, the slowest single call of the
same run and the speed-up. The targets (issue 12): wall ≤ 4 × the slowest call, and
≥ 5 × faster than one by one. Nothing here is a timed assertion; the table says it.
``BENCH_NMBRS_BUDGET`` overrides the budget (default: ``WIZARD_NMBRS_PROBE_WORKERS``'s).
"""
from __future__ import annotations

import os
import time

import pytest

from tests.benchmarks.harness.probe import TimedClient
from wizard.config import load_config
from wizard.nmbrs import KnownEnvironment, NmbrsClient, available_profiles, probe_permissions

ROUNDS = 3


def _budget() -> int:
    configured = load_config({"ENV": "testing", "SECRET_KEYS": ["x" * 32]})["NMBRS_PROBE_WORKERS"]
    return int(os.environ.get("BENCH_NMBRS_BUDGET") or configured)


@pytest.mark.parametrize("scenario", ["full", "accountant"])
@pytest.mark.parametrize("profile", available_profiles())
def test_validation_wall_time(benchmark, latent_sandbox, results, profile, scenario):
    workers = _budget()
    client = TimedClient(NmbrsClient(latent_sandbox.soap_url, timeout=10, workers=workers))
    # As in the wizard: the credentials step found the domain just before the validation.
    credentials = latent_sandbox.login(scenario, with_domain=True)
    known = KnownEnvironment(credentials.domain)

    def probe(budget: int):
        return probe_permissions(credentials, profile, client=client, workers=budget,
                                 environment=known)

    probe(workers)  # warm up: connections, zeep's caches
    client.take()
    started = time.perf_counter()
    one_by_one = probe(1)
    one_by_one_s = time.perf_counter() - started
    calls = len(client.take())

    rounds: list[tuple[float, float]] = []

    def concurrent():
        started = time.perf_counter()
        report = probe(workers)
        wall = time.perf_counter() - started
        rounds.append((wall, max(client.take())))
        return report

    report = benchmark.pedantic(concurrent, rounds=ROUNDS, iterations=1)
    client.close()
    assert [c.status for c in report.operations] == [c.status for c in one_by_one.operations]
    assert report.authenticated

    concurrent_s = sum(wall for wall, _ in rounds) / len(rounds)
    worst = max(rounds, key=lambda pair: pair[0] / pair[1])
    row = {"profile": profile, "login": scenario, "calls": calls, "workers": workers,
           "one_by_one_s": round(one_by_one_s, 3), "concurrent_s": round(concurrent_s, 3),
           "speedup": round(one_by_one_s / concurrent_s, 2), "slowest_ms": round(worst[1] * 1000),
           "wall_over_slowest": round(worst[0] / worst[1], 2)}
    benchmark.extra_info.update(row)
    results.append(row)
