"""Reference receiver: what the sync backend does with a hand-off.

Used by ``make demo`` and the tests, and a worked example for the backend team:
it checks the Standard Webhooks signature and timestamp (with the
``standardwebhooks`` package; ``webhook_secret`` may list several secrets,
comma-separated, while one is being rotated: any that verifies will do), refuses versions it
does not know (it reads 1 and 2), de-duplicates on ``webhook-id`` (a retry of
an accepted message is answered 200 and ignored), decrypts the credentials with
its private key and keeps what it received. Per connection (``onboarding_id``)
it applies only a higher ``revision`` than it holds: a re-connection replaces
the credentials, an older hand-off arriving late is acknowledged and ignored. Printed and listed records show secrets only as their
first two characters.
"""
from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from flask import Flask, jsonify, request

from wizard.handoff.payload import (KNOWN_VERSIONS, PayloadError, import_private_key,
                                    open_credentials)
from wizard.handoff.signing import SignatureError, verify

WEBHOOK_PATH = "/webhooks/onboarding"
NOT_SECRET = frozenset({"username", "domain", "token_type", "scope", "access_token_expires_at"})


def mask(value) -> str:
    """A secret as the first two characters and an ellipsis."""
    return f"{str(value)[:2]}…"


@dataclass
class ReceivedHandoff:
    """One accepted hand-off, credentials decrypted (kept in memory only)."""

    message_id: str
    received_at: datetime
    payload: dict
    credentials: dict

    def summary(self) -> dict:
        """What may be printed or listed: everything but the secrets in full."""
        data = self.payload["data"]
        secret = self.credentials.get("secret", {})
        return {
            "message_id": self.message_id,
            "received_at": self.received_at.isoformat(),
            "onboarding_id": data["onboarding_id"],
            "revision": data.get("revision", 1),
            "organisation": data["organisation"]["name"],
            "payroll_package": data["payroll_package"],
            "method": data["connection"]["method"],
            "domain": data["connection"].get("domain"),
            "consented_by": (data["connection"].get("consented_by") or {}).get("email"),
            "companies": [c["name"] for c in data["companies"]],
            "secret": {k: (v if k in NOT_SECRET else mask(v)) for k, v in secret.items()},
        }


@dataclass
class ReceiverStore:
    """What the receiver has seen; thread-safe."""

    accepted: dict[str, ReceivedHandoff] = field(default_factory=dict)
    #: The credentials in force per connection: the accepted hand-off with the highest revision.
    current: dict[str, ReceivedHandoff] = field(default_factory=dict)
    requests: int = 0
    duplicates: int = 0
    superseded: int = 0
    rejected: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Rejection(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def create_receiver_app(*, webhook_secret: str, private_key_pem: str, store: ReceiverStore | None = None,
                        record_file: Path | None = None, echo: Callable[[str], None] = print) -> Flask:
    """A small WSGI app that receives hand-offs like the sync backend would."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    store = store if store is not None else ReceiverStore()
    app.extensions["receiver_store"] = store
    private_key = import_private_key(private_key_pem)

    def check(body: bytes) -> tuple[str, dict]:
        try:
            message_id = verify(webhook_secret, request.headers, body)
        except SignatureError as error:
            raise Rejection(401, str(error)) from None
        try:
            payload = json.loads(body)
        except ValueError:
            raise Rejection(400, "body is not JSON") from None
        if not isinstance(payload, dict) or payload.get("version") not in KNOWN_VERSIONS:
            known = " and ".join(map(str, KNOWN_VERSIONS))
            raise Rejection(400, f"unsupported payload version (this receiver reads {known})")
        return message_id, payload

    @app.post(WEBHOOK_PATH)
    def receive():
        body = request.get_data(cache=False)
        with store.lock:
            store.requests += 1
            try:
                message_id, payload = check(body)
                if message_id in store.accepted:
                    store.duplicates += 1
                    return jsonify(status="duplicate", message_id=message_id), 200
                try:
                    credentials = open_credentials(payload["data"]["credentials"], private_key)
                except (PayloadError, KeyError, TypeError) as error:
                    raise Rejection(400, str(error) if isinstance(error, PayloadError)
                                    else "payload lacks data.credentials") from None
                if credentials.get("onboarding_id") != payload["data"].get("onboarding_id"):
                    raise Rejection(400, "credentials belong to another onboarding")
                if credentials.get("revision", 1) != _revision(payload):
                    raise Rejection(400, "credentials belong to another revision")
            except Rejection as rejection:
                store.rejected[rejection.reason] += 1
                return jsonify(status="rejected", reason=rejection.reason), rejection.status
            received = ReceivedHandoff(message_id, datetime.now(timezone.utc), payload, credentials)
            store.accepted[message_id] = received
            connection = payload["data"]["onboarding_id"]
            holding = store.current.get(connection)
            if holding is not None and _revision(holding.payload) >= _revision(payload):
                store.superseded += 1  # a late, older hand-off: newer credentials stay in force
                return jsonify(status="superseded", message_id=message_id), 200
            store.current[connection] = received
        summary = received.summary()
        where = (f"on {summary['domain']}" if summary["method"] == "token"
                 else f"consented by {summary['consented_by'] or 'an unknown user'}")
        echo(f"Received {message_id}: {summary['organisation']} ({summary['onboarding_id']}, "
             f"revision {summary['revision']}), {summary['method']} {where}, "
             f"{len(summary['companies'])} companies, secret {summary['secret']}")
        if record_file is not None:
            with open(record_file, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(summary, ensure_ascii=False) + "\n")
        return jsonify(status="accepted", message_id=message_id), 200

    @app.get(WEBHOOK_PATH + "/received")
    def received_list():
        with store.lock:
            return jsonify(accepted=[r.summary() for r in store.accepted.values()],
                           current={connection: r.message_id for connection, r in store.current.items()},
                           requests=store.requests, duplicates=store.duplicates,
                           superseded=store.superseded, rejected=dict(store.rejected))

    return app


def _revision(payload: dict) -> int:
    """Version 1 bodies predate re-connections: they are always the first revision."""
    return int(payload["data"].get("revision", 1))
