"""``python -m tests.benchmarks.harness``: one whole bench run (what ``make bench`` starts)."""
from __future__ import annotations

import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from tests.benchmarks.harness import chart, load, report as reporting
from tests.benchmarks.harness.probe import measure_validation
from tests.benchmarks.harness.services import (Backends, WizardStack, start_postgres,
                                               worker_memory)
from tests.benchmarks.harness.settings import BenchSettings, parse


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def machine() -> dict:
    """What the figures depend on; the load average shows who else used the CPUs."""
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "load_average_at_start": list(os.getloadavg())}


def database_url(name: str, folder: Path, postgres) -> str:
    if name == "sqlite":
        return f"sqlite:///{folder / 'wizard.sqlite3'}"
    return postgres.fresh_database_url()


def postmaster_pid(postgres) -> int | None:
    """The PostgreSQL server's process (its CPU counts in the run), when it runs here."""
    try:
        return int((postgres.datadir / "postmaster.pid").read_text().split()[0])
    except (AttributeError, OSError, ValueError, IndexError):
        return None  # an external server (WIZARD_TEST_POSTGRES_URL), or unreadable


def bench_database(settings: BenchSettings, backends: Backends, name: str, url: str,
                   folder: Path, *, postgres_pid: int | None = None) -> dict:
    """Everything measured on one database, with the wizard started afresh for it."""
    say(f"{name}: migrating and starting the wizard under gunicorn")
    stack = WizardStack.start(settings, backends, name, url, folder)
    database = load.WizardDatabase(stack, postgres_pid)
    try:
        say(f"{name}: cold start {stack.cold_start_s:.2f} s "
            f"({stack.cold_start_cpu_s or 0:.2f} s CPU in the slowest worker)")
        phases = {}
        for phase, think in (("think", True), ("saturation", False)):
            say(f"{name}: {settings.managers} managers, {phase} ({settings.duration:.0f} s)")
            phases[phase] = load.run_phase(phase, settings, stack, database, backends, think=think)
            result = phases[phase]
            say(f"{name}: {phase}: {result['completed']}/{result['journeys']} journeys, "
                f"{result['requests_per_second']} req/s, {result['failed_journeys']} failed")
            say(f"{name}: {phase}: CPUs used: " + ", ".join(
                f"{part} {used['cpus']:.2f}" for part, used in result["cpu_by_process"].items()))
        say(f"{name}: wizard page against the bare page ({settings.ratio_seconds:.0f} s each)")
        ratio = load.measure_ratio(settings, stack, database, backends, folder)
        say(f"{name}: the 1,040-company page")
        page = load.measure_company_page(settings, stack, database, backends)
        memory = worker_memory(stack.web)
        stack.web.check_alive()
    finally:
        database.close()
        stack.stop()
    return {"cold_start_s": round(stack.cold_start_s, 3),
            "cold_start_cpu_s": stack.cold_start_cpu_s, "phases": phases, "ratio": ratio,
            "page_1040": page, "memory": memory}


def bench_validation(settings: BenchSettings, backends: Backends) -> list[dict]:
    """Each profile on ``full`` and ``accountant``: concurrent against one by one, quiet."""
    from wizard.config import SETTINGS
    from wizard.nmbrs import NmbrsCredentials, available_profiles
    from wizard.sandbox import load_logins

    budget = int(os.environ.get("WIZARD_NMBRS_PROBE_WORKERS")
                 or next(s.default for s in SETTINGS if s.name == "NMBRS_PROBE_WORKERS"))
    logins = {login.scenario: login for login in load_logins()}
    rows = []
    for scenario in ("full", "accountant"):
        login = logins[scenario]
        credentials = NmbrsCredentials(login.username, login.token, login.domain)
        for profile in settings.profiles or available_profiles():
            row = measure_validation(f"{backends.sandbox_url}/soap/v3/", credentials, profile,
                                     budget=budget, rounds=settings.probe_rounds,
                                     verify=str(backends.ca))
            rows.append({"profile": profile, "login": scenario, **row})
            say(f"validation {profile} on {scenario}: {row['calls']} calls, "
                f"{row['wall_over_slowest']}x the slowest, {row['speedup']}x one by one")
    return rows


def main(argv: list[str] | None = None) -> int:
    settings = parse(argv)
    started = datetime.now(timezone.utc)
    folder = settings.results / started.strftime("%Y%m%dT%H%M%SZ")
    folder.mkdir(parents=True, exist_ok=True)
    report = {"started_at": started.isoformat(), "settings": settings.as_dict(),
              "machine": machine(), "databases": {}, "skipped": {}, "validation": []}
    say(f"results in {folder}")
    backends = Backends.start(settings, folder)
    postgres = None
    try:
        for name in settings.databases:
            if name == "postgresql":
                postgres = start_postgres()
                if postgres is None:
                    report["skipped"][name] = "PostgreSQL is not installed (make postgresql)"
                    say("postgresql: not installed, skipped")
                    continue
            where = folder / name
            where.mkdir(exist_ok=True)
            report["databases"][name] = bench_database(
                settings, backends, name, database_url(name, where, postgres), where,
                postgres_pid=postmaster_pid(postgres) if name == "postgresql" else None)
        if settings.probe_rounds:
            report["validation"] = bench_validation(settings, backends)
    finally:
        if postgres is not None:
            postgres.stop()
        backends.stop()
    report["machine"]["load_average_at_end"] = list(os.getloadavg())
    report["finished_at"] = datetime.now(timezone.utc).isoformat()
    targets = reporting.evaluate(report)
    reporting.write_json(report, targets, folder / "report.json")
    (folder / "chart.svg").write_text(chart.render(report, targets))
    for name, data in report["databases"].items():
        for phase, result in data["phases"].items():
            print(f"\n{name}, {phase}: {result['managers']} managers, "
                  f"{result['journeys_per_minute']} journeys/min, "
                  f"{result['requests_per_second']} req/s, hand-off p95 "
                  f"{result['handoffs']['latency_s']['p95']} s")
            print(reporting.step_table(result["steps"]))
    print(f"\nLoad average (1, 5, 15 min) at start {report['machine']['load_average_at_start']}, "
          f"at end {report['machine']['load_average_at_end']}; {os.cpu_count()} CPUs.")
    print(reporting.table(targets))
    print(f"\nJSON: {folder / 'report.json'}\nChart: {folder / 'chart.svg'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
