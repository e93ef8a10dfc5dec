"""The delivery worker: POST due outbox messages to the sync backend, signed.

Run as ``flask --app wsgi outbox deliver``. Any number of workers may run; a
claim is exclusive (see ``claim_due``) and a dead worker's claim expires after
``OUTBOX_LEASE_SECONDS``. Delivery is at-least-once; the constant
``webhook-id`` lets the backend make it effectively exactly-once.
"""
from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import asdict
from datetime import datetime

import requests
from flask import current_app

from wizard.extensions import db
from wizard.handoff.payload import encode_body
from wizard.handoff.retention import purge_due
from wizard.handoff.service import claim_due, record_delivered, record_failure
from wizard.handoff.signing import signed_headers
from wizard.mail import retry_due_emails
from wizard.reminders import send_due_reminders
from wizard.staff.sessions import purge_old_sessions
from wizard.models import OutboxMessage, OutboxState

log = logging.getLogger(__name__)
CONNECT_TIMEOUT = 5
USER_AGENT = "onboarding-wizard-handoff/1"


def send(message_id: str, body: bytes, http: requests.Session) -> requests.Response:
    """POST one message body, signed per Standard Webhooks; raises ``requests.RequestException``."""
    config = current_app.config
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               **signed_headers(config["SYNC_WEBHOOK_SECRET"], message_id, body)}
    return http.post(config["SYNC_URL"], data=body, headers=headers,
                     timeout=(CONNECT_TIMEOUT, config["SYNC_TIMEOUT"]), allow_redirects=False)


def deliver_claimed(message_pk: int, token: str, http: requests.Session,
                    now: datetime | None = None) -> OutboxState | None:
    """Send one claimed message and record the outcome; returns the state it ended in."""
    message = db.session.get(OutboxMessage, message_pk, populate_existing=True)
    message_id, body = message.message_id, encode_body(message.payload)
    db.session.rollback()  # no transaction stays open while we wait on the network
    try:
        response = send(message_id, body, http)
    except requests.RequestException as error:
        status, error_text = None, f"{type(error).__name__}: {error}"
    else:
        status, error_text = response.status_code, f"HTTP {response.status_code}: {response.text[:200]}"
        response.close()
    if status is not None and 200 <= status < 300:
        outcome = OutboxState.DELIVERED if record_delivered(message, token, status, now) else None
    else:
        outcome = record_failure(message, token, status=status, error=error_text, now=now)
    log.info("outbox message %s attempt %d: %s (%s)", message_id, message.attempts,
             outcome.value if outcome else "claim lost", status if status is not None else "no answer")
    return outcome


def deliver_due(now: datetime | None = None, http: requests.Session | None = None,
                limit: int = 20) -> Counter:
    """Claim and send one batch of due messages; counts the outcomes (empty: nothing was due)."""
    claim = claim_due(now, limit)
    outcomes: Counter = Counter()
    session = http or requests.Session()
    try:
        for message_pk in claim.ids:
            outcome = deliver_claimed(message_pk, claim.token, session, now)
            outcomes[outcome.value if outcome else "lost"] += 1
    finally:
        if http is None:
            session.close()
    return outcomes


def purge_support_records() -> None:
    """Forget ended support sessions and old idempotency keys."""
    from wizard.api.idempotency import purge_expired

    purge_old_sessions()
    purge_expired()


def run_worker(once: bool = False, stop: threading.Event | None = None) -> Counter:
    """Deliver hand-offs, retry due emails, send due reminders and purge until stopped (or,
    with ``once``, until nothing is due)."""
    stop = stop or threading.Event()
    total: Counter = Counter()
    while not stop.is_set():
        purged = asdict(purge_due())
        if any(purged.values()):
            log.info("retention: %s", purged)
        # The same worker retries emails whose first send failed, so no cron job is needed.
        emails = retry_due_emails()
        if emails.sent or emails.failed:
            log.info("email retries: %d sent, %d failed for good", len(emails.sent), len(emails.failed))
        # Reminders to clients who stopped go out from here too (no cron job).
        reminders = send_due_reminders()
        if reminders.sent:
            log.info("reminders: %d sent", len(reminders.sent))
        purge_support_records()
        while not stop.is_set():
            batch = deliver_due()
            total += batch
            if not batch:
                break
        if once:
            break
        stop.wait(current_app.config["OUTBOX_POLL_SECONDS"])
    return total
