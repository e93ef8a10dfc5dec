"""Idempotency keys: a retried POST gets the first answer again instead of acting twice.

The first request with a key claims it (a row, unique per API key and key, committed
before the work), does the work and stores the answer; a retry with the same key
and the same request gets that answer back with ``Idempotent-Replayed: true``. The
same key with another request is refused (422), and while the first request still
runs a retry is told to wait (409). A request that fails with a server error
releases its key, so it can be retried. An invite link is never stored: a replayed
answer has ``link: null`` (the client was emailed the link; ``resend`` issues a new one).
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from wizard.api.errors import ApiError
from wizard.extensions import db
from wizard.models import ApiKey, IdempotencyRecord
from wizard.models.base import utcnow

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
#: Answer fields that are never stored for a replay.
UNSTORED = ("link",)


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


def claim(api_key: ApiKey, key: str | None, request_fingerprint: str) -> IdempotencyRecord | tuple:
    """Claim ``key`` for this request; returns the record, or ``(status, body)`` to replay."""
    if not key:
        raise ApiError(400, "idempotency_key_required",
                       f"Every POST needs an {HEADER} header (any unique string, at most "
                       f"{MAX_KEY_LENGTH} characters) so that a retry never acts twice.")
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ApiError(400, "invalid_idempotency_key",
                       f"{HEADER} must be printable and at most {MAX_KEY_LENGTH} characters.")
    record = IdempotencyRecord(api_key_id=api_key.id, key=key, fingerprint=request_fingerprint)
    db.session.add(record)
    try:
        db.session.commit()
        return record
    except IntegrityError:
        db.session.rollback()
    existing = db.session.execute(db.select(IdempotencyRecord).filter_by(
        api_key_id=api_key.id, key=key)).scalar_one()
    if existing.fingerprint != request_fingerprint:
        raise ApiError(422, "idempotency_key_reused",
                       f"This {HEADER} was used for a different request.")
    if existing.status_code is None:
        raise ApiError(409, "idempotency_in_progress",
                       "The first request with this key is still running; retry shortly.")
    return existing.status_code, existing.response


def complete(record: IdempotencyRecord, status: int, body: dict) -> None:
    """Store the answer for replays (without the link); a server error releases the key."""
    if status >= 500:
        db.session.delete(record)
    else:
        record.status_code = status
        record.response = {**body, **{field: None for field in UNSTORED if field in body}}
    db.session.commit()


def purge_expired(now: datetime | None = None) -> int:
    """Forget keys older than ``API_IDEMPOTENCY_HOURS`` (the worker runs this; commits)."""
    cutoff = (now or utcnow()) - timedelta(hours=current_app.config["API_IDEMPOTENCY_HOURS"])
    result = db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff))
    db.session.commit()
    return result.rowcount
