"""Standard Webhooks signatures (https://www.standardwebhooks.com/), both directions.

The sender signs ``"{webhook-id}.{webhook-timestamp}.{body}"`` with HMAC-SHA256
under the secret's raw bytes and sends ``webhook-signature: v1,<base64>``. The
receiver recomputes it, compares in constant time, and refuses timestamps more
than ``TOLERANCE_SECONDS`` away from its clock (replay protection).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Mapping

from wizard.handoff.keys import check_webhook_secret

TOLERANCE_SECONDS = 5 * 60
SIGNATURE_VERSION = "v1"


class SignatureError(Exception):
    """A webhook's headers or signature do not verify; ``str(exc)`` is safe to show."""


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value for one message at one timestamp."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(check_webhook_secret(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode()}"


def signed_headers(secret: str, message_id: str, body: bytes, timestamp: int | None = None) -> dict:
    """The three Standard Webhooks headers for sending ``body`` now."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: float | None = None) -> str:
    """Check a received webhook; returns its ``webhook-id`` or raises ``SignatureError``."""
    message_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not message_id or not timestamp or not signatures:
        raise SignatureError("missing webhook-id, webhook-timestamp or webhook-signature header")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise SignatureError("webhook-timestamp is not an integer") from None
    now = time.time() if now is None else now
    if abs(now - sent_at) > TOLERANCE_SECONDS:
        raise SignatureError("webhook-timestamp is too far from the current time")
    expected = sign(secret, message_id, sent_at, body).encode()
    # The header may carry several space-separated signatures (during secret rotation).
    if not any(hmac.compare_digest(expected, candidate.encode())
               for candidate in signatures.split() if candidate.startswith(f"{SIGNATURE_VERSION},")):
        raise SignatureError("no matching signature")
    return message_id
