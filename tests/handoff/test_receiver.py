"""The reference receiver, used as the sync backend team would: signed, versioned, de-duplicated."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.conftest import TEST_SECRET
from tests.handoff.conftest import free_port, outbox_message
from wizard.handoff.delivery import deliver_due
from wizard.handoff.payload import encode_body
from wizard.handoff.signing import signed_headers
from wizard.sandbox.receiver import ReceiverStore, create_receiver_app, mask

ROOT = Path(__file__).parents[2]


def post(url: str, secret: str, body: bytes, message_id: str = "msg_test", **header_changes):
    headers = {"Content-Type": "application/json", **signed_headers(secret, message_id, body),
               **header_changes}
    return requests.post(url, data=body, headers=headers, timeout=10)


def test_refuses_unsigned_stale_and_unknown_messages(receiver, sync_webhook_secret, complete_with_credentials):
    payload = outbox_message(complete_with_credentials()).payload
    body = encode_body(payload)
    assert requests.post(receiver.url, data=body, timeout=10).status_code == 401
    stale = signed_headers(sync_webhook_secret, "msg_old", body, timestamp=int(time.time()) - 3600)
    assert requests.post(receiver.url, data=body, headers=stale, timeout=10).status_code == 401
    assert post(receiver.url, sync_webhook_secret, b"not json").status_code == 400
    future = encode_body({**payload, "version": 3})
    answer = post(receiver.url, sync_webhook_secret, future)
    assert answer.status_code == 400 and "version" in answer.json()["reason"]
    assert not receiver.store.accepted and sum(receiver.store.rejected.values()) == 4


def test_refuses_credentials_lifted_from_another_onboarding(receiver, sync_webhook_secret,
                                                            complete_with_credentials):
    first = outbox_message(complete_with_credentials()).payload
    second = outbox_message(complete_with_credentials(organisation="Ander B.V.")).payload
    forged = {**second, "data": {**second["data"], "credentials": first["data"]["credentials"]}}
    answer = post(receiver.url, sync_webhook_secret, encode_body(forged))
    assert answer.status_code == 400 and "another onboarding" in answer.json()["reason"]


def test_lists_and_records_what_it_received_with_secrets_masked(app, tmp_path, sync_key_pair,
                                                                  sync_webhook_secret,
                                                                  complete_with_credentials):
    token = "nmbrsMasked0123456789abcdefghijk"
    payload = outbox_message(complete_with_credentials(token=token)).payload
    record_file = tmp_path / "received.jsonl"
    lines = []
    receiver_app = create_receiver_app(webhook_secret=sync_webhook_secret, private_key_pem=sync_key_pair[0],
                                       store=ReceiverStore(), record_file=record_file, echo=lines.append)
    client = receiver_app.test_client()
    body = encode_body(payload)
    answer = client.post("/webhooks/onboarding", data=body,
                         headers=signed_headers(sync_webhook_secret, "msg_one", body))
    assert answer.status_code == 200 and answer.json["status"] == "accepted"

    listing = client.get("/webhooks/onboarding/received").get_data(as_text=True)
    recorded = record_file.read_text()
    for shown in (listing, recorded, "\n".join(lines)):
        assert token not in shown and token[2:8] not in shown
    (summary,) = json.loads(listing)["accepted"]
    assert summary["secret"] == {"token": mask(token), "username": "hr@devries.example",
                                 "domain": "devries"}
    assert json.loads(recorded)["message_id"] == "msg_one"


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("receiver did not start")


def test_sandbox_receiver_command_receives_a_real_delivery(app, tmp_path, sync_key_pair,
                                                           sync_webhook_secret, complete_with_credentials):
    key_file = tmp_path / "receiver.pem"
    key_file.write_text(sync_key_pair[0])
    port = free_port()
    env = {**os.environ, "WIZARD_ENV": "testing", "WIZARD_INSTANCE_PATH": str(tmp_path / "instance"),
           "WIZARD_SECRET_KEYS": TEST_SECRET, "WIZARD_SYNC_WEBHOOK_SECRET": sync_webhook_secret,
           "WIZARD_SYNC_PUBLIC_KEY": sync_key_pair[1]}
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "sandbox", "receiver", "--port", str(port),
         "--private-key", str(key_file)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_port(port, process)
        token = "nmbrsSubprocess0123456789abcdefg"
        onboarding = complete_with_credentials(token=token)
        app.config["SYNC_URL"] = f"http://127.0.0.1:{port}/webhooks/onboarding"
        assert deliver_due() == {"delivered": 1}
        listing = requests.get(app.config["SYNC_URL"] + "/received", timeout=10).json()
        assert [r["onboarding_id"] for r in listing["accepted"]] == [onboarding.public_id]
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert f"Received {outbox_message(onboarding).message_id}" in output
    assert "'token': 'nm…'" in output and token[2:] not in output


def test_only_a_higher_revision_replaces_the_credentials_in_force(receiver, sync_webhook_secret,
                                                                   sync_key_pair, make_onboarding):
    """A re-connection (revision 2) replaces revision 1; revision 1 arriving late changes nothing."""
    from wizard.extensions import db
    from wizard.handoff.payload import build_payload
    from wizard.lifecycle import complete_onboarding
    from wizard.models import Credential, JourneyKind
    from tests.handoff.conftest import contract_answers

    def completed(parent=None):
        onboarding, _ = make_onboarding()
        if parent is not None:
            onboarding.parent, onboarding.kind = parent, JourneyKind.RELINK
        onboarding.raw_answers.update(contract_answers())
        if parent is not None:
            onboarding.answers.record("welcome")
        db.session.add(Credential(onboarding=onboarding, method="token", secret={
            "username": "hr@devries.example", "token": "nmbrs" + onboarding.public_id,
            "domain": "devries"}))
        complete_onboarding(onboarding)
        db.session.commit()
        return onboarding

    first = completed()
    second = completed(parent=first)
    assert second.revision == 2 and second.connection_id == first.public_id
    body = {onboarding.revision: encode_body(build_payload(onboarding, sync_key_pair[1]))
            for onboarding in (first, second)}
    assert post(receiver.url, sync_webhook_secret, body[2], message_id="msg_two").json()["status"] == "accepted"
    late = post(receiver.url, sync_webhook_secret, body[1], message_id="msg_one")
    assert late.status_code == 200 and late.json()["status"] == "superseded"
    assert receiver.store.current[first.public_id].message_id == "msg_two"

    # The JWE is bound to its revision: an old secret under a new revision number is refused.
    replayed = json.loads(body[1])
    replayed["data"]["revision"] = 3
    answer = post(receiver.url, sync_webhook_secret, encode_body(replayed), message_id="msg_three")
    assert answer.status_code == 400 and "revision" in answer.json()["reason"]
