"""Redis as the shared store: two processes enforce one limit; an outage never becomes a 500."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import TEST_SECRET
from tests.dashboard.conftest import SupportActions
from tests.limits.conftest import lowered
from tests.support.postgres import _free_port
from tests.support.redis import MISSING, TemporaryRedis
from wizard import create_app
from wizard.extensions import db

ROOT = Path(__file__).resolve().parents[2]


class AppProcess:
    """``waitress-serve`` running the app in a process of its own, configured by environment."""

    def __init__(self, environment: dict[str, str], log: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "waitress", "--host=127.0.0.1", f"--port={self.port}",
             "--threads=2", "--call", "wizard:create_app"],
            cwd=ROOT, env=environment, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_until_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "the app process exited; see its log"
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise AssertionError("the app process did not start in time")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture
def two_processes(app_config, tmp_path, redis_url):
    """Two app processes with one SQLite database and one Redis, invite opens limited to 3/min."""
    database = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    setup = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": database})
    with setup.app_context():
        db.create_all()
        db.engine.dispose()
    environment = {
        "PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(tmp_path)),
        "WIZARD_ENV": "testing", "WIZARD_DATABASE_URL": database,
        "WIZARD_SECRET_KEYS": TEST_SECRET,
        "WIZARD_ENCRYPTION_KEYS": ",".join(app_config["ENCRYPTION_KEYS"]),
        "WIZARD_SYNC_WEBHOOK_SECRET": app_config["SYNC_WEBHOOK_SECRET"],
        "WIZARD_SYNC_PUBLIC_KEY": app_config["SYNC_PUBLIC_KEY"],
        "WIZARD_SYNC_URL": app_config["SYNC_URL"],
        "WIZARD_RATELIMIT_STORAGE_URI": redis_url,
        "WIZARD_RATELIMIT_INVITE_OPEN_PER_IP": "3/minute",
    }
    processes = []
    try:
        for number in (1, 2):
            processes.append(AppProcess({**environment, "WIZARD_INSTANCE_PATH":
                                         str(tmp_path / f"instance{number}")},
                                        tmp_path / f"process{number}.log"))
        for process in processes:
            process.wait_until_ready()
        yield processes
    finally:
        for process in processes:
            process.stop()


def test_two_processes_share_one_limit(two_processes):
    first, second = two_processes
    assert first.process.pid != second.process.pid

    def open_link(server):
        return requests.get(f"{server.url}/i/not-a-real-token", timeout=10)

    # Three opens in all, spread over both processes: each process alone saw fewer than three.
    assert [open_link(server).status_code for server in (first, second, first)] == [400, 400, 400]
    refused = open_link(second)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "Even geduld" in refused.text
    assert open_link(first).status_code == 429


@lowered(RATELIMIT_SUPPORT_LOGIN_PER_IP="5/minute", RATELIMIT_API_PER_KEY="5/minute")
def test_redis_holds_no_address_email_or_key(app_config, redis_url, redis_server):
    app = create_app({**app_config, "RATELIMIT_STORAGE_URI": redis_url})
    with app.app_context():
        db.create_all()
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = "198.51.100.77"
        SupportActions(client).login("Canary.Agent@support.example", "wrong password")
        client.get("/api/v1/onboardings", headers={"Authorization": "Bearer wzk_canary_key_42"})
        db.session.remove()
        db.drop_all()
    with redis_server.client() as redis_client:
        keys = [key.decode() for key in redis_client.keys("*")]
    assert any("support-login-per-account" in key for key in keys), keys
    assert any("api-per-key" in key for key in keys), keys
    stored = "\n".join(keys).lower()
    for personal in ("198.51.100.77", "canary.agent", "support.example", "wzk_canary_key_42"):
        assert personal not in stored


@lowered(RATELIMIT_INVITE_OPEN_PER_IP="2/minute")
def test_redis_going_away_is_never_a_500(app_config, caplog):
    """While Redis is down each process counts in memory: still limited, still answering."""
    server = TemporaryRedis.start()
    try:
        app = create_app({**app_config, "RATELIMIT_STORAGE_URI": server.url})
        with app.app_context():
            db.create_all()
            client = app.test_client()
            assert client.get("/i/not-a-real-token").status_code == 400
            server.stop()
            answers = [client.get("/i/not-a-real-token").status_code for _ in range(3)]
            assert 500 not in answers
            assert answers[-1] == 429, answers
            db.session.remove()
            db.drop_all()
    finally:
        server.stop()
    assert any("in-memory" in record.getMessage() for record in caplog.records)


def test_a_missing_redis_server_fails_naming_make_redis(monkeypatch):
    """``make test`` installs it; without it the Redis tests fail (never skip) and say so."""
    monkeypatch.setattr("tests.support.redis.REDIS_SERVER", "/nonexistent/redis-server")
    monkeypatch.setattr("tests.support.redis.shutil.which", lambda name: None)
    with pytest.raises(RuntimeError, match="make redis") as missing:
        TemporaryRedis.start()
    assert str(missing.value) == MISSING
