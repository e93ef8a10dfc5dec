"""Standard Webhooks signatures (https://www.standardwebhooks.com/), both directions.

The ``standardwebhooks`` package does the cryptography: the sender signs
``"{webhook-id}.{webhook-timestamp}.{body}"`` with HMAC-SHA256 under the
secret's raw bytes and sends ``webhook-signature: v1,<base64>``; the receiver
recomputes it, compares in constant time and refuses timestamps more than five
minutes away from its clock (replay protection).

``WIZARD_SYNC_WEBHOOK_SECRET`` may hold several secrets, newest first and
comma-separated: every message then carries one ``v1,`` signature per secret,
so the sync backend can move to a new secret without missing a message.
"""
from __future__ import annotations

import base64
import binascii
import time
from datetime import datetime, timezone
from typing import Iterable, Mapping

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from wizard.handoff.keys import webhook_secrets

TOLERANCE_SECONDS = 5 * 60  # what the standardwebhooks package enforces

#: The package's reasons, reworded for operators (it never names a value).
_REASONS = {
    "Missing required headers": "missing webhook-id, webhook-timestamp or webhook-signature header",
    "Invalid Signature Headers": "webhook-timestamp is not a number",
    "Message timestamp too old": "webhook-timestamp is too far from the current time",
    "Message timestamp too new": "webhook-timestamp is too far from the current time",
    "No matching signature found": "no matching signature",
}


class SignatureError(Exception):
    """A webhook's headers or signature do not verify; ``str(exc)`` is safe to show."""


def sign(secrets: str | Iterable[str], message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value for one message at one timestamp: one ``v1,`` per secret."""
    sent_at = datetime.fromtimestamp(timestamp, timezone.utc)
    return " ".join(Webhook(secret).sign(message_id, sent_at, body.decode("utf-8"))
                    for secret in webhook_secrets(secrets))


def signed_headers(secrets: str | Iterable[str], message_id: str, body: bytes,
                   timestamp: int | None = None) -> dict:
    """The three Standard Webhooks headers for sending ``body`` now."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secrets, message_id, timestamp, body),
    }


def _well_formed(candidate: str) -> bool:
    """A ``v1,<base64>`` entry; the package raises on anything else, the standard ignores it."""
    version, _, signature = candidate.partition(",")
    try:
        return version == "v1" and bool(base64.b64decode(signature, validate=True))
    except (binascii.Error, ValueError):
        return False


def verify(secrets: str | Iterable[str], headers: Mapping[str, str], body: bytes) -> str:
    """Check a received webhook against any of ``secrets``; its ``webhook-id`` or ``SignatureError``."""
    plain = {name.lower(): value for name, value in headers.items()}
    if plain.get("webhook-signature"):
        # Several signatures may come (one per sender secret); unknown forms are skipped.
        plain["webhook-signature"] = " ".join(
            c for c in plain["webhook-signature"].split() if _well_formed(c)) or "v1,"
    reason = "no matching signature"
    for secret in webhook_secrets(secrets):
        try:
            Webhook(secret).verify(body, plain, json_parse=False)
        except WebhookVerificationError as error:
            reason = _REASONS.get(str(error), "the signature does not verify")
            if reason != "no matching signature":
                break  # a header problem fails for every secret alike
        except ValueError:  # a body that is not UTF-8, among others
            reason = "the body or a header is malformed"
            break
        else:
            return plain["webhook-id"]
    raise SignatureError(reason)
