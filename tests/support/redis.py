"""A throw-away redis-server on a free loopback port (Debian's binary, no persistence)."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.postgres import _free_port

REDIS_SERVER = "/usr/bin/redis-server"
MISSING = f"{REDIS_SERVER} is missing: `make redis` (part of `make test`) installs Debian's redis-server"


class TemporaryRedis:
    """``start()`` it, use ``url``, ``client()`` to look inside, ``stop()`` it."""

    def __init__(self, process: subprocess.Popen, port: int, workdir: Path):
        self.process, self.port, self.workdir = process, port, workdir
        self.url = f"redis://127.0.0.1:{port}/0"

    @classmethod
    def start(cls) -> "TemporaryRedis":
        binary = REDIS_SERVER if Path(REDIS_SERVER).exists() else shutil.which("redis-server")
        if not binary:
            raise RuntimeError(MISSING)
        workdir = Path(tempfile.mkdtemp(prefix="wizard-test-redis-"))
        port = _free_port()
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(workdir), "--protected-mode", "yes", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        server = cls(process, port, workdir)
        server._wait_until_ready()
        return server

    def client(self):
        import redis

        return redis.Redis.from_url(self.url, socket_timeout=5)

    def _wait_until_ready(self, timeout: float = 15.0) -> None:
        import redis

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited: {self.process.stderr.read().decode()[-500:]}")
            try:
                with self.client() as client:
                    if client.ping():
                        return
            except redis.ConnectionError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not answer PING in time")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()
        shutil.rmtree(self.workdir, ignore_errors=True)
