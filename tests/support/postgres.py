"""A throw-away PostgreSQL cluster for the test session (initdb + pg_ctl, trust auth)."""
from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TemporaryPostgres:
    def __init__(self, bindir: Path, datadir: Path, port: int, run_as: list[str]):
        self.bindir, self.datadir, self.port, self.run_as = bindir, datadir, port, run_as
        self._counter = itertools.count()

    @classmethod
    def start(cls) -> "TemporaryPostgres | ExternalPostgres | None":
        """Start a cluster in a fresh folder; None when PostgreSQL is not installed."""
        url = os.environ.get("WIZARD_TEST_POSTGRES_URL")
        if url:
            return ExternalPostgres(url)
        candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not candidates:
            return None
        bindir = Path(candidates[-1]).parent
        # Not under pytest's tmp folder: that is private to root, and the server runs as postgres.
        workdir = Path(tempfile.mkdtemp(prefix="wizard-test-pg-"))
        run_as: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            user = pwd.getpwnam("postgres")
            os.chown(workdir, user.pw_uid, user.pw_gid)
            run_as = ["runuser", "-u", "postgres", "--"]
        datadir = workdir / "data"
        server = cls(bindir, datadir, _free_port(), run_as)
        server.workdir = workdir
        server._run("initdb", "-D", str(datadir), "--auth=trust", "-U", "postgres",
                    "--encoding=UTF8", "--no-sync")
        server._run("pg_ctl", "-D", str(datadir), "-w", "-l", str(workdir / "log"), "-o",
                    f"-p {server.port} -k {workdir} -c listen_addresses=127.0.0.1 "
                    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off", "start")
        return server

    def _run(self, tool: str, *args: str) -> None:
        result = subprocess.run([*self.run_as, str(self.bindir / tool), *args],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if result.returncode:
            raise RuntimeError(f"{tool} failed: {result.stderr.strip()}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def fresh_database_url(self) -> str:
        """A new empty database per test: no state leaks between tests."""
        import psycopg

        name = f"wizard_test_{os.getpid()}_{next(self._counter)}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "stop")
        shutil.rmtree(self.workdir, ignore_errors=True)


class ExternalPostgres:
    """A server someone else runs (WIZARD_TEST_POSTGRES_URL, a superuser URL)."""

    def __init__(self, url: str):
        self.base = url
        self._counter = itertools.count()

    def fresh_database_url(self) -> str:
        import psycopg
        from sqlalchemy.engine import make_url

        parsed = make_url(self.base)
        name = f"wizard_test_{os.getpid()}_{next(self._counter)}"
        dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return parsed.set(database=name).render_as_string(hide_password=False)

    def stop(self) -> None:
        pass
