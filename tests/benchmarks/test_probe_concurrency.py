"""How much the concurrent probe saves against a slow Nmbrs (the sandbox's "slow" login).

Run with ``make benchmark``; the ratio sequential/concurrent lands in the benchmark's
``extra_info`` and on stdout (``-s``).
"""
from __future__ import annotations

import time

from wizard.nmbrs import NmbrsClient, probe_permissions

WORKERS = 6  # the NMBRS_PROBE_WORKERS default


def test_concurrent_probe_beats_sequential_on_the_slow_login(benchmark, nmbrs_sandbox):
    credentials = nmbrs_sandbox.login("slow")
    client = NmbrsClient(nmbrs_sandbox.soap_url, timeout=10, workers=WORKERS)
    try:
        started = time.perf_counter()
        sequential = probe_permissions(credentials, "payroll", client=client, workers=1)
        sequential_s = time.perf_counter() - started

        concurrent = benchmark.pedantic(probe_permissions, args=(credentials, "payroll"),
                                        kwargs={"client": client, "workers": WORKERS},
                                        rounds=3, iterations=1)
    finally:
        client.close()
    concurrent_s = benchmark.stats.stats.mean
    ratio = sequential_s / concurrent_s
    benchmark.extra_info.update(sequential_s=round(sequential_s, 3),
                                concurrent_s=round(concurrent_s, 3), ratio=round(ratio, 2),
                                calls=len(nmbrs_sandbox.state.requests))
    print(f"\nslow login, payroll profile: sequential {sequential_s:.2f} s, "
          f"concurrent ({WORKERS} workers) {concurrent_s:.2f} s, ratio {ratio:.1f}x")
    assert [c.status for c in sequential.operations] == [c.status for c in concurrent.operations]
    assert concurrent.exit_code == 0
    assert ratio > 2.5
