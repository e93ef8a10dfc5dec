"""The measurements of one database: load phases, the bare-page ratio, the 1,040-company page.

A load phase runs ``managers`` threads, each a browser walking journeys back to back
(even-numbered journeys the token path, odd ones the consent path) until ``duration``
seconds have passed, at least one each. Server time per request comes from gunicorn's
access log (``%(D)s``, matched on the ``X-Bench-Id`` header the browser sends).
"""
from __future__ import annotations

import os
import random
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path

import requests

from tests.benchmarks.harness.browser import BenchBrowser, Recorder, UnexpectedAnswer
from tests.benchmarks.harness.journeys import (COMPANY, EXTERNAL_STEPS, JOURNEYS, NMBRS_STEPS,
                                                Journey, Login, to_entities, to_package)
from tests.benchmarks.harness.services import (PUBLIC_URL, Backends, BareStack, WizardStack,
                                               process_tree_cpu)
from tests.benchmarks.harness.settings import BenchSettings
from tests.benchmarks.harness.stats import percentile, summarise

ACCESS_LINE = re.compile(r'^(\d+) (\d{3}) \S+ "[^"]*" "([^"]*)" "(r\d+)" <(\d+)>$')
#: What Chromium sends; the server picks brotli from it.
BROWSER_ENCODINGS = "gzip, deflate, br, zstd"


@contextmanager
def environment(env: dict):
    """Run with exactly ``env`` as ``os.environ`` (building an app from production settings)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


class WizardDatabase:
    """The wizard's database, through the app itself: invites in, validation runs out."""

    def __init__(self, stack: WizardStack, postgres_pid: int | None = None):
        from wizard import create_app

        self.postgres_pid = postgres_pid
        with environment({**stack.env, "WIZARD_LOG_LEVEL": "WARNING"}):
            self.app = create_app()
        self._lock = threading.Lock()

    def new_invite(self, organisation: str) -> str:
        """An onboarding and its invite link (what support's "new invite" makes)."""
        from wizard.extensions import db
        from wizard.invites import issue_invite_link
        from wizard.lifecycle import create_onboarding
        from wizard.models import Actor

        with self._lock, self.app.app_context():
            onboarding = create_onboarding(organisation=organisation,
                                           contact_email="hr@bench.example", actor=Actor.SUPPORT)
            link = issue_invite_link(onboarding)
            db.session.commit()
            return link

    def validation_runs(self, prefix: str) -> list[dict]:
        """The finished runs of the phase's onboardings: method, wall and slowest call in ms."""
        from wizard.extensions import db
        from wizard.models import Onboarding, ValidationRun

        with self.app.app_context():
            runs = db.session.scalars(
                db.select(ValidationRun).join(Onboarding)
                .where(Onboarding.organisation.startswith(prefix),
                       ValidationRun.finished_at.is_not(None))).all()
            return [{"method": run.method, "wall_ms": run.duration_ms,
                     "slowest_ms": max((check.get("ms") or 0 for check in run.checks), default=0),
                     "checks": len(run.checks)} for run in runs]

    def close(self) -> None:
        from wizard.extensions import db

        runner = self.app.extensions.get("validation_runner")
        if runner is not None:
            runner.shutdown(wait=True)
        with self.app.app_context():
            db.engine.dispose()


def logins() -> dict[str, Login]:
    """The sandbox's ``full`` login for each path, and the 1,040-company accountant."""
    from wizard.sandbox import load_logins
    from wizard.sandbox.consent_accounts import load_consent_setup

    soap = {login.scenario: login for login in load_logins()}
    consent = {account.scenario: account for account in load_consent_setup().accounts}
    return {"token": Login(soap["full"].username, soap["full"].token),
            "consent": Login(consent["full"].username, consent["full"].password),
            "accountant": Login(soap["accountant"].username, soap["accountant"].token)}


def server_times(access_log: Path) -> dict[str, float]:
    """Seconds of server time per request id, from gunicorn's access log."""
    times = {}
    if access_log.exists():
        for line in access_log.read_text(errors="replace").splitlines():
            match = ACCESS_LINE.match(line)
            if match:
                times[match.group(4)] = int(match.group(1)) / 1e6
    return times


def requests_per_worker(access_log: Path, step: str) -> list[int]:
    """How many requests of ``step`` each gunicorn worker answered, busiest first: with few
    keep-alive clients one worker may get most connections while the other idles."""
    counts: dict[str, int] = {}
    if access_log.exists():
        for line in access_log.read_text(errors="replace").splitlines():
            match = ACCESS_LINE.match(line)
            if match and match.group(3) == step:
                counts[match.group(5)] = counts.get(match.group(5), 0) + 1
    return sorted(counts.values(), reverse=True)


def _cpu_by_process(stack: WizardStack, backends: Backends, postgres_pid: int | None) -> dict:
    """CPU seconds so far of each part of the run: who the 2 CPUs were shared with."""
    own = os.times()
    parts = {"wizard web": stack.web.pid, "delivery worker": stack.processes[1].pid,
             "nmbrs sandbox": backends.processes[0].pid, "receiver": backends.processes[1].pid}
    used = {name: process_tree_cpu(pid) for name, pid in parts.items()}
    used["bench (simulated browsers)"] = own.user + own.system
    if postgres_pid:
        used["postgresql"] = process_tree_cpu(postgres_pid)
    return used


def cpu_share(before: dict, after: dict, elapsed: float) -> dict:
    """Per part: CPU seconds used in the phase, and as a share of one CPU (1.0 = a whole CPU)."""
    return {name: {"cpu_s": round(after[name] - before[name], 2),
                   "cpus": round((after[name] - before[name]) / elapsed, 2)}
            for name in after}


def _loadavg() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def run_phase(name: str, settings: BenchSettings, stack: WizardStack, database: WizardDatabase,
              backends: Backends, *, think: bool) -> dict:
    """N managers through whole journeys; per-step times, errors, hand-offs, validation runs."""
    recorder, journeys = Recorder(), []
    accounts = logins()
    prefix = f"Bench {stack.database} {name} "
    load_before = _loadavg()
    cpu_before = _cpu_by_process(stack, backends, database.postgres_pid)
    started = time.monotonic()
    deadline = started + settings.duration

    def manager(number: int) -> None:
        rng = random.Random(number)

        def pause() -> None:
            if think:
                time.sleep(rng.uniform(settings.think_min, settings.think_max))

        if think:
            time.sleep(rng.uniform(0, settings.think_max))  # managers arrive spread out
        walked = 0
        while walked == 0 or time.monotonic() < deadline:
            path = "token" if (number + walked) % 2 == 0 else "consent"
            journey = Journey(path, f"{prefix}{number:03d}-{walked}", time.monotonic())
            browser = BenchBrowser(stack.url, PUBLIC_URL, str(backends.ca), recorder)
            try:
                link = database.new_invite(journey.organisation)
                JOURNEYS[path](browser, link, accounts[path], pause)
                journey.completed_at = time.time()
                journey.seconds = round(time.monotonic() - journey.started, 3)
            except Exception as error:  # every failure is a finding, never a crash of the bench
                journey.error = f"{type(error).__name__}: {error}"[:300]
            finally:
                browser.close()
            journeys.append(journey)
            walked += 1
            if journey.error:
                return  # one failure per manager is reported; repeating it adds nothing

    threads = [threading.Thread(target=manager, args=(n,), daemon=True)
               for n in range(settings.managers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    cpu = cpu_share(cpu_before, _cpu_by_process(stack, backends, database.postgres_pid), elapsed)
    stack.web.check_alive()
    times = server_times(stack.access_log)
    samples = [replace(sample, server_seconds=times.get(request_id))
               for request_id, sample in recorder.samples]
    completed = [j for j in journeys if j.error is None]
    requests_total = sum(1 for s in samples if s.step != "nmbrs login and consent")
    return {
        "think_time": [settings.think_min, settings.think_max] if think else None,
        "managers": settings.managers,
        "elapsed_s": round(elapsed, 2),
        "load_average": {"before": load_before, "after": _loadavg()},
        "cpu_by_process": cpu,
        "journeys": len(journeys),
        "completed": len(completed),
        "journeys_per_minute": round(len(completed) / elapsed * 60, 1),
        "requests_per_second": round(requests_total / elapsed, 1),
        "journey_s": {f"p{p}": _round(percentile([j.seconds for j in completed], p))
                      for p in (50, 95, 99)},
        # A failed request ends its journey: both counts cover it, neither is added to the other.
        "failed_journeys": sum(1 for j in journeys if j.error),
        "request_errors": sum(1 for s in samples if s.error),
        "errors": [j.organisation + ": " + j.error for j in journeys if j.error][:50],
        "steps": summarise(samples, elapsed),
        "own_steps_server_ms": own_steps_server_ms(samples),
        "handoffs": handoffs(backends, completed, timeout=max(60.0, settings.outbox_poll * 6)),
        "validation_runs": validation_summary(database.validation_runs(prefix)),
    }


def own_steps_server_ms(samples) -> dict:
    """Server time of every request that calls no one else, all steps pooled: a per-step p99
    of ~100 samples is nearly its maximum, the pooled one rests on thousands."""
    times = [s.server_seconds * 1000 for s in samples if s.server_seconds is not None
             and s.step not in NMBRS_STEPS and s.step not in EXTERNAL_STEPS]
    return {"count": len(times),
            **{f"p{share}": _round(percentile(times, share), 1) for share in (50, 95, 99)}}


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def handoffs(backends: Backends, completed: list[Journey], *, timeout: float) -> dict:
    """Wait for every completed journey's hand-off at the receiver; lost, duplicated, latency."""
    expected = {j.organisation: j for j in completed}
    deadline = time.monotonic() + timeout
    while True:
        received = backends.received()
        arrivals: dict[str, list[dict]] = {}
        for summary in received["accepted"]:
            if summary["organisation"] in expected:
                arrivals.setdefault(summary["organisation"], []).append(summary)
        if len(arrivals) == len(expected) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    latencies = [datetime.fromisoformat(rows[0]["received_at"]).timestamp()
                 - expected[name].completed_at for name, rows in arrivals.items()]
    return {"expected": len(expected), "delivered": len(arrivals),
            "lost": len(expected) - len(arrivals),
            "duplicated": sum(1 for rows in arrivals.values() if len(rows) > 1),
            "receiver_redeliveries": received["duplicates"],
            "receiver_rejected": sum(received["rejected"].values()),
            "latency_s": {f"p{p}": _round(percentile(latencies, p)) for p in (50, 95, 99)}
            | {"max": _round(max(latencies)) if latencies else None}}


def validation_summary(runs: list[dict]) -> dict:
    """Validation inside the app under load, per method: wall time against its slowest call."""
    summary = {}
    for method in sorted({run["method"] for run in runs}):
        rows = [run for run in runs if run["method"] == method and run["slowest_ms"]]
        ratios = [run["wall_ms"] / run["slowest_ms"] for run in rows]
        summary[method] = {
            "runs": len(rows),
            "wall_ms": {f"p{p}": _round(percentile([r["wall_ms"] for r in rows], p), 1)
                        for p in (50, 95)},
            "slowest_call_ms": {f"p{p}": _round(percentile([r["slowest_ms"] for r in rows], p), 1)
                                for p in (50, 95)},
            "wall_over_slowest": {"p50": _round(percentile(ratios, 50), 2),
                                  "max": _round(max(ratios), 2) if ratios else None},
        }
    return summary


def _hammer(clients: list, seconds: float) -> dict:
    """Each client (a function that makes one request and says whether it answered 200) asks
    back to back for ``seconds``; answers per second and errors."""
    counts, errors = [0] * len(clients), [0] * len(clients)
    deadline = time.monotonic() + seconds

    def run(index: int, fetch) -> None:
        while time.monotonic() < deadline:
            try:
                ok = fetch()
            except Exception:
                ok = False
            if ok:
                counts[index] += 1
            else:
                errors[index] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=run, args=(i, client)) for i, client in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {"requests": sum(counts), "errors": sum(errors),
            "per_second": round(sum(counts) / elapsed, 1)}


#: Each ratio request on a connection of its own, as nginx talks to its upstream by default:
#: 8 keep-alive clients that connect at once were all accepted by one gunicorn worker (its
#: ``per_worker`` count showed it), which measured one worker against the bare page's two.
ONE_REQUEST_PER_CONNECTION = {"Connection": "close"}


def _loads(session: requests.Session, url: str) -> bool:
    return session.get(url, headers=ONE_REQUEST_PER_CONNECTION, timeout=30).status_code == 200


def _page_loads(browser: BenchBrowser, path: str) -> bool:
    try:
        browser.get("ratio GET", path, headers=ONE_REQUEST_PER_CONNECTION)
    except UnexpectedAnswer:
        return False
    return True


def measure_ratio(settings: BenchSettings, stack: WizardStack, database: WizardDatabase,
                  backends: Backends, folder: Path) -> dict:
    """Requests per second of a wizard page (the package step) against the bare page, which is
    as large, under the same gunicorn settings, one after the other in this run."""
    recorder = Recorder()
    browsers, page_bytes = [], 0
    for number in range(settings.ratio_clients):
        browser = BenchBrowser(stack.url, PUBLIC_URL, str(backends.ca), recorder)
        link = database.new_invite(f"Bench {stack.database} ratio {number:03d}")
        page_bytes = len(to_package(browser, link).content)
        browsers.append(browser)
    wizard = _hammer([partial(_page_loads, b, "/onboarding/package") for b in browsers],
                     settings.ratio_seconds)
    for browser in browsers:
        browser.close()
    bare = BareStack.start(settings, page_bytes, folder)
    try:
        sessions = [requests.Session() for _ in range(settings.ratio_clients)]
        baseline_bytes = len(sessions[0].get(f"{bare.url}/page/1", timeout=10).content)
        baseline = _hammer([partial(_loads, s, f"{bare.url}/page/{n + 1}")
                            for n, s in enumerate(sessions)], settings.ratio_seconds)
        for session in sessions:
            session.close()
    finally:
        bare.stop()
    wizard["per_worker"] = requests_per_worker(stack.access_log, "ratio GET")
    return {"page": "/onboarding/package", "wizard_page_bytes": page_bytes,
            "bare_page_bytes": baseline_bytes, "clients": settings.ratio_clients,
            "wizard": wizard, "bare": baseline,
            "ratio": round(wizard["per_second"] / baseline["per_second"], 3)
            if baseline["per_second"] else None}


def measure_company_page(settings: BenchSettings, stack: WizardStack, database: WizardDatabase,
                         backends: Backends) -> dict:
    """The accountant's company step (1,040 companies): server time and bytes on the wire."""
    recorder = Recorder()
    browser = BenchBrowser(stack.url, PUBLIC_URL, str(backends.ca), recorder)
    link = database.new_invite(f"Bench {stack.database} accountant")
    first = to_entities(browser, link, logins()["accountant"])
    companies = len(COMPANY.findall(first.text))
    wire, encodings = {}, {}
    for accept in (BROWSER_ENCODINGS, "gzip"):
        for _ in range(settings.page_samples if accept == BROWSER_ENCODINGS else 1):
            response = browser.get("entities 1040 GET", "/onboarding/entities",
                                   headers={"Accept-Encoding": accept}, stream=True)
            html_bytes = len(response.content)
            wire[accept] = response.raw.tell()
            encodings[accept] = response.headers.get("Content-Encoding", "identity")
    browser.close()
    times = server_times(stack.access_log)
    server = [times[rid] for rid, sample in recorder.samples
              if sample.step == "entities 1040 GET" and rid in times]
    return {"companies": companies, "html_bytes": html_bytes,
            "wire_bytes": wire[BROWSER_ENCODINGS], "encoding": encodings[BROWSER_ENCODINGS],
            "gzip_wire_bytes": wire["gzip"], "samples": len(server),
            "server_ms": {f"p{p}": _round(percentile(server, p) * 1000, 1) if server else None
                          for p in (50, 95)},
            "errors": sum(1 for _, s in recorder.samples if s.error)}
