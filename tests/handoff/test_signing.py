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


def test_the_contract_is_hmac_sha256_over_id_timestamp_and_body_byte_for_byte():
    """What docs/handoff.md promises, computed by hand; the package must produce exactly this."""
    import base64
    import hashlib
    import hmac

    secret = "whsec_" + base64.b64encode(bytes(range(32))).decode()
    body = '{"naam":"Bakkerij Één","version":2}'.encode()
    digest = hmac.new(bytes(range(32)), b"msg_fixed.1790000000." + body, hashlib.sha256).digest()
    headers = signed_headers(secret, "msg_fixed", body, timestamp=1790000000)
    assert headers == {"webhook-id": "msg_fixed", "webhook-timestamp": "1790000000",
                       "webhook-signature": "v1," + base64.b64encode(digest).decode()}


def test_several_secrets_sign_once_each_newest_first_so_the_backend_can_rotate():
    new, old = new_webhook_secret(), new_webhook_secret()
    headers = signed_headers(f"{new}, {old}", "msg_rotate", BODY)
    signatures = headers["webhook-signature"].split(" ")
    assert len(signatures) == 2 and all(s.startswith("v1,") for s in signatures)
    assert signatures[0] == signed_headers(new, "msg_rotate", BODY,
                                           int(headers["webhook-timestamp"]))["webhook-signature"]
    # A backend still on the old secret, one already on the new, and one holding both all accept it.
    for holding in (old, new):
        assert Webhook(holding).verify(BODY, headers)["version"] == 1
        assert verify(holding, headers, BODY) == "msg_rotate"
    assert verify([old, new], headers, BODY) == "msg_rotate"
    with pytest.raises(SignatureError, match="no matching"):
        verify(new_webhook_secret(), headers, BODY)


def test_a_malformed_secret_in_the_list_is_refused():
    with pytest.raises(KeyProblem):
        signed_headers(f"{new_webhook_secret()},whsec_c2hvcnQ=", "msg_x", BODY)


@pytest.mark.parametrize("signature", ["v1", "v1,a,b", "v2,AAAA", "v1,!!!!", "  ", "v1,"])
def test_malformed_signature_headers_are_refused_not_crashed(signature):
    secret = new_webhook_secret()
    headers = {**signed_headers(secret, "msg_abc", BODY), "webhook-signature": signature}
    with pytest.raises(SignatureError):
        verify(secret, headers, BODY)


def test_a_body_that_is_not_utf8_is_refused_not_crashed():
    secret = new_webhook_secret()
    headers = signed_headers(secret, "msg_abc", BODY)
    with pytest.raises(SignatureError):
        verify(secret, headers, b"\xff\xfe" + BODY)
