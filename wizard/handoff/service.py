"""Outbox state logic: enqueue, claim, record outcomes, list and retry.

The CLI and (later) the support dashboard call these; nothing here talks HTTP.
A message moves pending -> sending (claimed with a lease) -> delivered, or back
to pending with a later ``next_attempt_at``, or to failed (refused) / dead
(retries exhausted), from where ``retry_message`` puts it back in the queue.
"""
from __future__ import annotations

import logging
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from wizard.extensions import db
from wizard.handoff.payload import EVENT_TYPE, PayloadError, build_payload, redact
from wizard.models import Actor, Onboarding, OutboxMessage, OutboxState, record_event
from wizard.models.base import utcnow

log = logging.getLogger(__name__)

#: Backoff: 1 min doubling per attempt up to 8 h, ±20 % jitter; 18 attempts span about 3 days.
BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=8)
JITTER = 0.2
MAX_ATTEMPTS = 18
RETRYABLE_STATUSES = frozenset({408, 429})
#: Answers whose Retry-After header is honoured, and the longest wait it may ask for.
RETRY_AFTER_STATUSES = frozenset({429, 503})
MAX_RETRY_AFTER = timedelta(hours=24)
RETRYABLE_STATES = (OutboxState.FAILED, OutboxState.DEAD)


class HandoffError(Exception):
    """The hand-off cannot be queued or changed; ``str(exc)`` is safe to show."""


def retry_delay(attempt: int, rng: random.Random | None = None) -> timedelta:
    """How long to wait after failed attempt number ``attempt`` (1-based)."""
    nominal = min(BASE_DELAY * 2 ** (attempt - 1), MAX_DELAY)
    return nominal * (rng or random).uniform(1 - JITTER, 1 + JITTER)


def is_retryable(status: int | None) -> bool:
    """Network errors (no status), 5xx, 408 and 429 are worth another try; other answers are not."""
    return status is None or status >= 500 or status in RETRYABLE_STATUSES


def enqueue_handoff(onboarding: Onboarding) -> OutboxMessage:
    """Queue the hand-off of a completed onboarding in the caller's transaction."""
    try:
        payload = build_payload(onboarding, current_app.config["SYNC_PUBLIC_KEY"])
    except PayloadError as error:
        raise HandoffError(str(error)) from None
    message = OutboxMessage(event_type=EVENT_TYPE, onboarding=onboarding, payload=payload,
                            state=OutboxState.PENDING, attempts=0, next_attempt_at=utcnow())
    db.session.add(message)
    db.session.flush()
    record_event(onboarding, Actor.SYSTEM, "handoff.queued", message_id=message.message_id)
    return message


def _due(now: datetime):
    return or_(and_(OutboxMessage.state == OutboxState.PENDING, OutboxMessage.next_attempt_at <= now),
               and_(OutboxMessage.state == OutboxState.SENDING, OutboxMessage.lease_until <= now))


@dataclass(frozen=True)
class Claim:
    """Messages one worker may now send, and the token that proves it."""

    token: str
    ids: tuple[int, ...]


def claim_due(now: datetime | None = None, limit: int = 20) -> Claim:
    """Atomically take up to ``limit`` due messages (including ones whose lease expired).

    PostgreSQL locks the candidates with ``FOR UPDATE SKIP LOCKED`` so parallel
    workers pass each other by; on every backend the conditional UPDATE (still
    due?) with a rowcount check is what makes a claim exclusive.
    """
    now = now or utcnow()
    token = secrets.token_hex(16)
    lease_until = now + timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    locking = db.session.get_bind().dialect.name == "postgresql"
    candidates = (select(OutboxMessage.id).where(_due(now))
                  .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
    if locking:
        candidates = candidates.with_for_update(skip_locked=True)
    ids = db.session.scalars(candidates).all()
    if not locking:
        db.session.commit()  # SQLite: end the read transaction so each claim is a lone write
    claimed = []
    for message_id in ids:
        result = db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id, _due(now))
            .values(state=OutboxState.SENDING, lease_until=lease_until, claim_token=token,
                    attempts=OutboxMessage.attempts + 1, updated_at=now)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            claimed.append(message_id)
        if not locking:
            db.session.commit()
    db.session.commit()
    return Claim(token, tuple(claimed))


def _finish(message: OutboxMessage, token: str, now: datetime, **values) -> bool:
    """Apply an outcome if this worker still holds the claim; False when its lease was lost."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.state == OutboxState.SENDING,
               OutboxMessage.claim_token == token)
        .values(lease_until=None, claim_token=None, updated_at=now, **values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        log.warning("outbox message %s: claim lost before the outcome was recorded "
                    "(the receiver de-duplicates on webhook-id)", message.message_id)
        return False
    return True


def record_delivered(message: OutboxMessage, token: str, status: int, now: datetime | None = None) -> bool:
    """The backend confirmed: mark delivered, drop the JWE, purge credentials if retention is 0."""
    from wizard.handoff.retention import UnreadableSecret, purge_credential

    now = now or utcnow()
    if not _finish(message, token, now, state=OutboxState.DELIVERED, delivered_at=now,
                   next_attempt_at=None, last_status=status, last_error=None,
                   payload=redact(message.payload)):
        return False
    onboarding = message.onboarding
    if onboarding is not None:
        record_event(onboarding, Actor.SYSTEM, "handoff.delivered", message_id=message.message_id,
                     attempts=message.attempts)
        if current_app.config["CREDENTIAL_RETENTION_HOURS"] <= 0:
            try:
                purge_credential(onboarding, reason="delivered", now=now)
            except UnreadableSecret:
                log.warning("onboarding %s: its credentials cannot be decrypted, so they were not "
                            "purged after delivery (flask purge reports them)", onboarding.public_id)
    db.session.commit()
    return True


def record_failure(message: OutboxMessage, token: str, *, status: int | None, error: str,
                   now: datetime | None = None, rng: random.Random | None = None,
                   retry_after: timedelta | None = None) -> OutboxState | None:
    """An attempt failed: schedule the next one, or stop (failed / dead). Returns the new state.

    ``retry_after`` is what the backend asked for (429, 503): the next attempt waits at least
    that long, at most ``MAX_RETRY_AFTER``.
    """
    now = now or utcnow()
    if not is_retryable(status):
        state, next_attempt_at = OutboxState.FAILED, None
    elif message.attempts >= MAX_ATTEMPTS:
        state, next_attempt_at = OutboxState.DEAD, None
    else:
        wait = retry_delay(message.attempts, rng)
        if retry_after is not None and status in RETRY_AFTER_STATUSES:
            wait = max(wait, min(retry_after, MAX_RETRY_AFTER))
        state, next_attempt_at = OutboxState.PENDING, now + wait
    if not _finish(message, token, now, state=state, next_attempt_at=next_attempt_at,
                   last_status=status, last_error=error[:500]):
        return None
    if state is not OutboxState.PENDING and message.onboarding is not None:
        record_event(message.onboarding, Actor.SYSTEM,
                     "handoff.failed" if state is OutboxState.FAILED else "handoff.dead_lettered",
                     message_id=message.message_id, attempts=message.attempts, status=status)
    db.session.commit()
    return state


def record_gone(message: OutboxMessage, token: str, *, status: int, error: str,
                now: datetime | None = None) -> bool:
    """The endpoint is gone (410): the message waits, due again as soon as delivery is re-enabled."""
    now = now or utcnow()
    if not _finish(message, token, now, state=OutboxState.PENDING, next_attempt_at=now,
                   last_status=status, last_error=error[:500]):
        return False
    db.session.commit()
    return True


def release_claims(ids: list[int], token: str) -> int:
    """Give back claimed messages that were not sent (their attempt does not count)."""
    if not ids:
        return 0
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.state == OutboxState.SENDING,
               OutboxMessage.claim_token == token)
        .values(state=OutboxState.PENDING, lease_until=None, claim_token=None,
                attempts=OutboxMessage.attempts - 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount


@dataclass(frozen=True)
class OutboxEntry:
    """What an operator may see of a message: its state, never its payload."""

    id: int
    message_id: str
    onboarding: str | None
    organisation: str | None
    state: OutboxState
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


def list_messages(states: list[OutboxState] | None = None, limit: int = 100) -> list[OutboxEntry]:
    """The newest messages first, optionally only those in ``states``."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if states:
        query = query.where(OutboxMessage.state.in_(states))
    return [OutboxEntry(
        id=m.id, message_id=m.message_id,
        onboarding=m.onboarding.public_id if m.onboarding else None,
        organisation=m.onboarding.organisation if m.onboarding else None,
        state=m.state, attempts=m.attempts, next_attempt_at=m.next_attempt_at,
        last_status=m.last_status, last_error=m.last_error, created_at=m.created_at,
        delivered_at=m.delivered_at) for m in db.session.scalars(query)]


def find_message(reference: str) -> OutboxMessage:
    """A message by its row id or its ``webhook-id``."""
    column = OutboxMessage.id if reference.isdigit() else OutboxMessage.message_id
    value = int(reference) if reference.isdigit() else reference
    message = db.session.scalar(select(OutboxMessage).where(column == value))
    if message is None:
        raise HandoffError(f"no outbox message {reference}")
    return message


def retry_message(message: OutboxMessage, actor: Actor = Actor.SUPPORT) -> OutboxMessage:
    """Put a failed or dead message back in the queue with a fresh set of attempts.

    While the wizard still holds the credentials it seals them again to the
    currently configured ``SYNC_PUBLIC_KEY``, so a corrected backend key is
    picked up. The ``webhook-id`` stays the same. The caller commits.
    """
    if message.state not in RETRYABLE_STATES:
        raise HandoffError(f"message {message.id} is {message.state.value}; "
                           "only failed or dead messages can be retried")
    onboarding = message.onboarding
    holds_credentials = (onboarding is not None and onboarding.credential is not None
                         and onboarding.credential.secret)
    sealed = ((message.payload or {}).get("data") or {}).get("credentials") or {}
    if not holds_credentials and "jwe" not in sealed:
        raise HandoffError(f"message {message.id} no longer carries credentials (purged after "
                           "it failed); invite the client to connect again (flask invite relink)")
    if holds_credentials:
        try:
            message.payload = build_payload(onboarding, current_app.config["SYNC_PUBLIC_KEY"])
        except PayloadError as error:
            raise HandoffError(str(error)) from None
    message.state = OutboxState.PENDING
    message.attempts = 0
    message.next_attempt_at = utcnow()
    if onboarding is not None:
        record_event(onboarding, actor, "handoff.retried", message_id=message.message_id)
    return message
