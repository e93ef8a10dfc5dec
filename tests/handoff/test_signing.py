"""Standard Webhooks signatures, cross-checked with the independent ``standardwebhooks`` package."""
from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from wizard.handoff.keys import KeyProblem, check_webhook_secret, new_webhook_secret
from wizard.handoff.signing import SignatureError, signed_headers, verify

BODY = b'{"type":"onboarding.completed","version":1}'


def test_our_signature_verifies_with_standardwebhooks():
    secret = new_webhook_secret()
    headers = signed_headers(secret, "msg_abc", BODY)
    assert Webhook(secret).verify(BODY, headers) == {"type": "onboarding.completed", "version": 1}


def test_standardwebhooks_signature_verifies_with_ours():
    secret = new_webhook_secret()
    now = int(time.time())
    signature = Webhook(secret).sign("msg_abc", datetime.fromtimestamp(now, timezone.utc), BODY.decode())
    headers = {"webhook-id": "msg_abc", "webhook-timestamp": str(now),
               "webhook-signature": f"v1,bogus {signature}"}
    assert verify(secret, headers, BODY) == "msg_abc"


def tamper(headers: dict, **changes) -> dict:
    return {**headers, **changes}


@pytest.mark.parametrize("change, body", [
    ({}, BODY + b" "),
    ({"webhook-id": "msg_other"}, BODY),
    ({"webhook-timestamp": str(int(time.time()) - 3600)}, BODY),
    ({"webhook-signature": "v1,AAAA"}, BODY),
    ({"webhook-signature": ""}, BODY),
    ({"webhook-timestamp": "yesterday"}, BODY),
])
def test_tampered_messages_fail_both_verifiers(change, body):
    secret = new_webhook_secret()
    headers = tamper(signed_headers(secret, "msg_abc", BODY), **change)
    with pytest.raises(SignatureError):
        verify(secret, headers, body)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, headers)


def test_a_stale_but_correctly_signed_message_is_refused():
    secret = new_webhook_secret()
    headers = signed_headers(secret, "msg_abc", BODY, timestamp=int(time.time()) - 600)
    with pytest.raises(SignatureError, match="too far"):
        verify(secret, headers, BODY)


def test_another_secret_does_not_verify():
    headers = signed_headers(new_webhook_secret(), "msg_abc", BODY)
    with pytest.raises(SignatureError, match="no matching"):
        verify(new_webhook_secret(), headers, BODY)


@pytest.mark.parametrize("secret", ["", "abc", "whsec_", "whsec_not base64!", "whsec_c2hvcnQ="])
def test_malformed_secrets_are_refused(secret):
    with pytest.raises(KeyProblem):
        check_webhook_secret(secret)
