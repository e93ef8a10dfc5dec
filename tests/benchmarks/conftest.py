"""Benchmarks run only with ``make benchmark`` (``--benchmark-only``), never in ``make test``.

The Nmbrs sandbox runs in a process of its own, as Nmbrs would: its CPU time does not
compete with the probe's for one interpreter lock. Latency and jitter per call come from
``BENCH_NMBRS_LATENCY`` and ``BENCH_NMBRS_JITTER`` (default 0.15 s ± 0.05 s).
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
LATENCY = float(os.environ.get("BENCH_NMBRS_LATENCY", "0.15"))
JITTER = float(os.environ.get("BENCH_NMBRS_JITTER", "0.05"))
SERVE = ("import sys; from waitress import serve; from wizard.sandbox import make_sandbox_app; "
         "serve(make_sandbox_app(latency=float(sys.argv[2]), jitter=float(sys.argv[3])), "
         "host='127.0.0.1', port=int(sys.argv[1]), threads=64, _quiet=True)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("benchmark_only", False):
        return
    skip = pytest.mark.skip(reason="a benchmark: run it with `make benchmark`")
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SandboxProcess:
    """``flask sandbox serve`` in spirit: the emulator with latency and jitter, in a child process."""

    def __init__(self, latency: float, jitter: float):
        from wizard.sandbox.scenarios import load_logins

        self.latency, self.jitter = latency, jitter
        self.logins = {login.scenario: login for login in load_logins()}
        self.port = _free_port()
        self.soap_url = f"http://127.0.0.1:{self.port}/soap/v3/"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen([sys.executable, "-c", SERVE, str(self.port), str(latency),
                                         str(jitter)], cwd=ROOT, env=env)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                requests.get(self.soap_url, timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the sandbox process did not start")

    def login(self, scenario: str, *, with_domain: bool = False):
        from wizard.nmbrs import NmbrsCredentials

        login = self.logins[scenario]
        return NmbrsCredentials(login.username, login.token,
                                login.domain if with_domain else None)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def latent_sandbox():
    server = SandboxProcess(LATENCY, JITTER)
    yield server
    server.stop()


RESULTS: list[dict] = []


@pytest.fixture(scope="session")
def results():
    """Rows of the summary table printed at the end of the run."""
    return RESULTS


def pytest_terminal_summary(terminalreporter):
    if not RESULTS:
        return
    write = terminalreporter.write_line
    write("")
    write(f"Validation against the sandbox at {LATENCY * 1000:.0f} ms ± {JITTER * 1000:.0f} ms "
          "per call; concurrent = mean of its rounds, wall/slowest = the worst round:")
    header = (f"{'profile':<13}{'login':<11}{'calls':>6}{'one by one':>12}{'concurrent':>12}"
              f"{'speed-up':>10}{'slowest':>9}{'wall/slowest':>14}")
    write(header)
    for row in RESULTS:
        write(f"{row['profile']:<13}{row['login']:<11}{row['calls']:>6}"
              f"{row['one_by_one_s']:>11.2f}s{row['concurrent_s']:>11.2f}s"
              f"{row['speedup']:>9.1f}x{row['slowest_ms']:>7.0f}ms{row['wall_over_slowest']:>13.1f}x")
