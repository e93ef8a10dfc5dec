"""The processes of a bench run, started as production (or ``make demo``) starts them.

- the wizard: ``gunicorn wsgi:app`` (gthread workers) with ``WIZARD_ENV=production``, after
  ``flask db upgrade``, on plain http at loopback: it stands behind the TLS-terminating proxy
  the README requires, whose public address is ``PUBLIC_URL`` (see ``browser``);
- the bare page: the same gunicorn settings, ``apps:bare_app()``;
- the Nmbrs sandbox and the reference receiver: gunicorn over https (one worker: their state
  lives in memory), with the certificate of ``tls``;
- the delivery worker: ``flask outbox deliver``, as in ``make demo``;
- PostgreSQL: the throw-away cluster the test suite uses (``tests/support/postgres.py``).
"""
from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from cryptography.fernet import Fernet

from tests.benchmarks.harness.apps import BENCH_CLIENT_ID, BENCH_CLIENT_SECRET
from tests.benchmarks.harness.settings import ROOT, BenchSettings
from tests.benchmarks.harness.tls import make_loopback_certificate

#: Where the proxy in front of the wizard would answer; the browser maps it to the loopback port.
PUBLIC_URL = "https://onboarding.bench.invalid"
CALLBACK_PATH = "/oauth/nmbrs/callback"
#: gunicorn's access log: microseconds of server time, then the step the bench sent.
ACCESS_LOG_FORMAT = '%(D)s %(s)s %(B)s "%(m)s %(U)s" "%({x-bench-step}i)s" "%({x-bench-id}i)s" %(p)s'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Process:
    """A child process whose output goes to a log file; stopped with SIGTERM, then SIGKILL."""

    name: str
    popen: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)

    def check_alive(self) -> None:
        if self.popen.poll() is not None:
            tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n{tail}")


def start(name: str, args: list[str], env: dict, logs: Path) -> Process:
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    handle = open(log, "ab")
    popen = subprocess.Popen(args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL)
    handle.close()
    return Process(name, popen, log)


def wait_until_up(process: Process, url: str, *, verify=True, timeout: float = 60) -> float:
    """Seconds until ``url`` answers 200; raises when the process dies or time runs out."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        process.check_alive()
        try:
            if requests.get(url, timeout=2, verify=verify).status_code == 200:
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"{process.name} did not answer {url} within {timeout:.0f} s")


def gunicorn(name: str, app: str, port: int, *, workers: int, threads: int, env: dict, logs: Path,
             tls: tuple[Path, Path] | None = None, access_log: Path | None = None) -> Process:
    """``gunicorn`` with gthread workers on loopback (https with ``tls`` = (cert, key))."""
    args = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
            "--backlog", "2048", "--graceful-timeout", "5", "--keep-alive", "5"]
    if tls:
        args += ["--certfile", str(tls[0]), "--keyfile", str(tls[1])]
    if access_log:
        args += ["--access-logfile", str(access_log), "--access-logformat", ACCESS_LOG_FORMAT]
    return start(name, [*args, app], env, logs)


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _status_kb(pid: int, field_name: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used so far (``/proc/PID/stat``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its children (a gunicorn master and its workers)."""
    return sum(cpu_seconds(each) or 0.0 for each in [pid, *_children(pid)])


def worker_memory(master: Process) -> list[dict]:
    """Per gunicorn worker: its peak resident memory (VmHWM) and current (VmRSS), in MB."""
    rows = []
    for pid in _children(master.pid):
        peak, now = _status_kb(pid, "VmHWM"), _status_kb(pid, "VmRSS")
        if peak is not None:
            rows.append({"pid": pid, "peak_mb": round(peak / 1024, 1),
                         "rss_mb": round((now or 0) / 1024, 1)})
    return rows


@dataclass
class Backends:
    """What stays up for the whole run: certificate, sandbox, receiver, their keys."""

    folder: Path
    ca: Path
    sandbox_url: str
    receiver_url: str
    webhook_secret: str
    public_key: Path
    processes: list[Process] = field(default_factory=list)

    @classmethod
    def start(cls, settings: BenchSettings, folder: Path) -> "Backends":
        from wizard.handoff.keys import generate_key_pair, new_webhook_secret

        ca, cert, key = make_loopback_certificate(folder / "tls")
        private_pem, public_pem = generate_key_pair(2048)
        (folder / "receiver-key.pem").write_text(private_pem)
        (folder / "receiver-key.pem").chmod(0o600)
        (folder / "receiver-public.pem").write_text(public_pem)
        secret = new_webhook_secret()
        sandbox_port, receiver_port = free_port(), free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT),
               "BENCH_NMBRS_LATENCY": str(settings.latency),
               "BENCH_NMBRS_JITTER": str(settings.jitter),
               "BENCH_REDIRECT_URI": PUBLIC_URL + CALLBACK_PATH,
               "BENCH_WEBHOOK_SECRET": secret,
               "BENCH_RECEIVER_KEY": str(folder / "receiver-key.pem")}
        logs = folder / "logs"
        backends = cls(folder, ca, f"https://127.0.0.1:{sandbox_port}",
                       f"https://127.0.0.1:{receiver_port}", secret,
                       folder / "receiver-public.pem")
        # Up to workers x VALIDATION_WORKERS runs x NMBRS_PROBE_WORKERS calls wait at once.
        sandbox_threads = max(64, settings.workers * 4 * 16 + 32)
        backends.processes.append(gunicorn(
            "sandbox", "tests.benchmarks.harness.apps:sandbox_app()", sandbox_port, workers=1,
            threads=sandbox_threads, env=env, logs=logs, tls=(cert, key)))
        backends.processes.append(gunicorn(
            "receiver", "tests.benchmarks.harness.apps:receiver_app()", receiver_port, workers=1,
            threads=8, env=env, logs=logs, tls=(cert, key)))
        try:
            wait_until_up(backends.processes[0], f"{backends.sandbox_url}/soap/v3/", verify=str(ca))
            wait_until_up(backends.processes[1], f"{backends.receiver_url}/webhooks/onboarding/received",
                          verify=str(ca))
        except Exception:
            backends.stop()
            raise
        return backends

    def received(self) -> dict:
        """The receiver's list: accepted hand-offs, duplicates, rejections."""
        return requests.get(f"{self.receiver_url}/webhooks/onboarding/received", timeout=30,
                            verify=str(self.ca)).json()

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()


def wizard_environment(settings: BenchSettings, backends: Backends, database_url: str,
                       instance: Path) -> dict:
    """Every variable production demands, with bench values (the secrets are new per run)."""
    from wizard.config import RATE_LIMIT_SETTINGS
    from wizard.sandbox.consent_accounts import load_consent_setup

    instance.mkdir(parents=True, exist_ok=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("WIZARD_")}
    sandbox = backends.sandbox_url
    env.update({
        "PYTHONPATH": str(ROOT),
        "REQUESTS_CA_BUNDLE": str(backends.ca),
        "WIZARD_ENV": "production",
        "WIZARD_SECRET_KEYS": secrets.token_urlsafe(48),
        "WIZARD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "WIZARD_DATABASE_URL": database_url,
        "WIZARD_PUBLIC_URL": PUBLIC_URL,
        "WIZARD_MAIL_BACKEND": "file",
        "WIZARD_MAIL_FROM": "Onboarding <onboarding@bench.example>",
        "WIZARD_MAIL_OUTBOX_DIR": str(instance / "outbox"),
        "WIZARD_INSTANCE_PATH": str(instance),
        "WIZARD_SYNC_URL": f"{backends.receiver_url}/webhooks/onboarding",
        "WIZARD_SYNC_WEBHOOK_SECRET": backends.webhook_secret,
        "WIZARD_SYNC_PUBLIC_KEY": str(backends.public_key),
        "WIZARD_NMBRS_SOAP_URL": f"{sandbox}/soap/v3/",
        "WIZARD_NMBRS_IDENTITY_URL": sandbox,
        "WIZARD_NMBRS_REST_URL": sandbox,
        "WIZARD_NMBRS_OAUTH_CLIENT_ID": BENCH_CLIENT_ID,
        "WIZARD_NMBRS_OAUTH_CLIENT_SECRET": BENCH_CLIENT_SECRET,
        "WIZARD_NMBRS_SUBSCRIPTION_KEY": load_consent_setup().demo.subscription_key,
        "WIZARD_OUTBOX_POLL_SECONDS": str(settings.outbox_poll),
    })
    # Every simulated manager comes from 127.0.0.1, where real ones come from their own
    # offices: the per-address limits would refuse the crowd as one abuser. Per-onboarding
    # and per-key limits keep their production values.
    env.update({f"WIZARD_{name}": "1000000/minute" for name in RATE_LIMIT_SETTINGS
                if name.endswith("_PER_IP")})
    return env


@dataclass
class WizardStack:
    """The wizard under gunicorn and its delivery worker, on one database."""

    database: str
    env: dict
    url: str
    access_log: Path
    cold_start_s: float
    #: CPU seconds the slowest worker spent until the first answer: what the wall time is
    #: made of on a quiet machine, and nearly independent of other work on a busy one.
    cold_start_cpu_s: float | None
    processes: list[Process]

    @property
    def web(self) -> Process:
        return self.processes[0]

    @classmethod
    def start(cls, settings: BenchSettings, backends: Backends, database: str, database_url: str,
              folder: Path) -> "WizardStack":
        env = wizard_environment(settings, backends, database_url, folder / "instance")
        logs = folder / "logs"
        migrate = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                                 cwd=ROOT, env=env, capture_output=True, text=True)
        if migrate.returncode:
            raise RuntimeError(f"flask db upgrade failed:\n{migrate.stderr[-2000:]}")
        port = free_port()
        access_log = folder / "access.log"
        started = time.monotonic()
        web = gunicorn("wizard", "wsgi:app", port, workers=settings.workers,
                       threads=settings.threads, env=env, logs=logs, access_log=access_log)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(web, f"{url}/healthz")
        except Exception:
            web.stop()
            raise
        cold = time.monotonic() - started
        cpu = [cpu_seconds(pid) for pid in _children(web.pid)]
        cold_cpu = max((value for value in cpu if value is not None), default=None)
        worker = start("outbox-worker", [sys.executable, "-m", "flask", "--app", "wsgi", "outbox",
                                         "deliver"], env, logs)
        return cls(database, env, url, access_log, cold, cold_cpu, [web, worker])

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()


@dataclass
class BareStack:
    """The baseline page under the wizard's gunicorn settings."""

    url: str
    process: Process

    @classmethod
    def start(cls, settings: BenchSettings, page_bytes: int, folder: Path) -> "BareStack":
        from tests.benchmarks.harness.apps import seed_bare_database

        database = folder / "bare.sqlite3"
        seed_bare_database(database)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_BARE_DATABASE": str(database),
               "BENCH_BARE_BYTES": str(page_bytes)}
        port = free_port()
        process = gunicorn("bare", "tests.benchmarks.harness.apps:bare_app()", port,
                           workers=settings.workers, threads=settings.threads, env=env,
                           logs=folder / "logs")
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(process, f"{url}/healthz")
        except Exception:
            process.stop()
            raise
        return cls(url, process)

    def stop(self) -> None:
        self.process.stop()


def start_postgres():
    """The test suite's throw-away cluster, or None when PostgreSQL is not installed."""
    from tests.support.postgres import TemporaryPostgres

    return TemporaryPostgres.start()
