"""A worker killed after claiming (committed) but before the send completed: delivered on restart.

Real processes: ``flask outbox deliver --once`` runs as a subprocess, claims the
message and connects to a backend that accepts the connection but never answers;
the test kills it with SIGKILL mid-send. A second worker started after the lease
expired delivers the message to the real receiver, exactly once.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET
from sqlalchemy import select

from wizard.extensions import db
from wizard.models import OutboxMessage, OutboxState
from wizard.models.base import utcnow

ROOT = Path(__file__).parents[2]
LEASE_SECONDS = 2


def worker_env(app, sync_url: str, instance: Path) -> dict:
    config = app.config
    return {**os.environ, "WIZARD_ENV": "testing", "WIZARD_INSTANCE_PATH": str(instance),
            "WIZARD_DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
            "WIZARD_SECRET_KEYS": TEST_SECRET,
            "WIZARD_ENCRYPTION_KEYS": ",".join(config["ENCRYPTION_KEYS"]),
            "WIZARD_SYNC_URL": sync_url, "WIZARD_SYNC_WEBHOOK_SECRET": config["SYNC_WEBHOOK_SECRET"],
            "WIZARD_SYNC_PUBLIC_KEY": config["SYNC_PUBLIC_KEY"],
            "WIZARD_OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS), "WIZARD_SYNC_TIMEOUT": "60",
            "WIZARD_LOG_FORMAT": "text"}


def start_worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "deliver", "--once"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def message_of(onboarding_id: int):
    db.session.remove()
    return db.session.scalar(select(OutboxMessage).where(OutboxMessage.onboarding_id == onboarding_id))


@pytest.mark.both_databases
def test_killed_worker_is_taken_over_after_its_lease(app, complete_with_credentials, receiver, tmp_path):
    onboarding_id = complete_with_credentials().id
    db.session.remove()

    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        silent.settimeout(30)
        port = silent.getsockname()[1]
        first = start_worker(worker_env(app, f"http://127.0.0.1:{port}/webhooks/onboarding",
                                        tmp_path / "w1"))
        try:
            connection, _ = silent.accept()  # the worker has claimed, committed and is sending
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        connection.close()

    message = message_of(onboarding_id)
    assert message.state is OutboxState.SENDING and message.attempts == 1
    assert receiver.store.requests == 0

    time.sleep(max(0.0, (message.lease_until - utcnow()).total_seconds()) + 0.2)
    second = start_worker(worker_env(app, receiver.url, tmp_path / "w2"))
    output, _ = second.communicate(timeout=60)
    assert second.returncode == 0, output
    assert "1 delivered" in output
    message = message_of(onboarding_id)
    assert message.state is OutboxState.DELIVERED and message.attempts == 2
    assert receiver.store.requests == 1 and len(receiver.store.accepted) == 1
