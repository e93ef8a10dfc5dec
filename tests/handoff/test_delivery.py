"""Delivery to the reference receiver over real HTTP on loopback: never lost, never twice."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from tests.handoff.conftest import free_port, outbox_message
from wizard.extensions import db
from wizard.handoff.delivery import deliver_due
from wizard.handoff.service import MAX_ATTEMPTS, find_message, retry_message
from wizard.models import AuditEvent, OnboardingStatus, OutboxMessage, OutboxState
from wizard.models.base import utcnow


def events(onboarding) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.event_type).where(
        AuditEvent.onboarding_id == onboarding.id).order_by(AuditEvent.id)))


def deliver_at_next_attempt(onboarding):
    """Travel to the message's next attempt time and run the worker once."""
    message = outbox_message(onboarding)
    return deliver_due(now=message.next_attempt_at + timedelta(seconds=1))


def test_completion_queues_the_handoff_in_the_same_transaction(complete_with_credentials):
    onboarding = complete_with_credentials()
    message = outbox_message(onboarding)
    assert onboarding.status is OnboardingStatus.COMPLETED
    assert message.state is OutboxState.PENDING and message.attempts == 0
    assert message.message_id.startswith("msg_")
    assert "handoff.queued" in events(onboarding)


def test_completion_without_credentials_is_refused_and_queues_nothing(make_onboarding):
    from tests.handoff.conftest import contract_answers
    from wizard.lifecycle import OnboardingError, complete_onboarding

    onboarding, _ = make_onboarding()
    onboarding.raw_answers.update(contract_answers())
    with pytest.raises(OnboardingError, match="credentials"):
        complete_onboarding(onboarding)
    db.session.rollback()
    assert onboarding.status is OnboardingStatus.INVITED
    assert db.session.scalar(select(db.func.count(OutboxMessage.id))) == 0


def test_delivered_once_then_purged(complete_with_credentials, receiver, caplog):
    token = "nmbrsSecretToken0123456789abcdef"
    onboarding = complete_with_credentials(token=token)

    assert deliver_due() == {"delivered": 1}

    message = outbox_message(onboarding)
    assert message.state is OutboxState.DELIVERED and message.attempts == 1
    assert message.last_status == 200 and message.delivered_at is not None
    assert "jwe" not in message.payload["data"]["credentials"]
    assert len(message.payload["data"]["credentials"]["sha256"]) == 64
    assert onboarding.credential.secret is None and onboarding.credential.purged_at is not None
    assert events(onboarding)[-2:] == ["handoff.delivered", "credentials.purged"]

    (received,) = receiver.store.accepted.values()
    assert received.message_id == message.message_id
    assert received.credentials["secret"]["token"] == token
    assert received.payload["data"]["onboarding_id"] == onboarding.public_id
    assert receiver.store.requests == 1
    # Nothing more is due; the token never reached a log line or the receiver's output.
    assert deliver_due(now=utcnow() + timedelta(days=5)) == {}
    assert token not in caplog.text and token[2:] not in "\n".join(receiver.lines)
    assert "'token': 'nm…'" in receiver.lines[0]


def test_receiver_down_for_several_attempts_then_up(complete_with_credentials, start_receiver, app):
    port = free_port()
    app.config["SYNC_URL"] = f"http://127.0.0.1:{port}/webhooks/onboarding"
    onboarding = complete_with_credentials()

    waits = []
    assert deliver_due() == {"pending": 1}
    for attempt in (2, 3, 4):
        message = outbox_message(onboarding)
        waits.append(message.next_attempt_at)
        assert deliver_due(now=message.next_attempt_at - timedelta(seconds=1)) == {}  # not yet due
        assert deliver_at_next_attempt(onboarding) == {"pending": 1}
        assert outbox_message(onboarding).attempts == attempt
    message = outbox_message(onboarding)
    assert message.last_status is None and "ConnectionError" in message.last_error
    # Exponential backoff: each wait is longer than the one before.
    gaps = [later - earlier for earlier, later in zip(waits, waits[1:])]
    assert all(gap > timedelta(minutes=1) for gap in gaps) and gaps[1] > gaps[0]

    receiver = start_receiver(port=port)
    assert deliver_at_next_attempt(onboarding) == {"delivered": 1}
    assert receiver.store.requests == 1 and len(receiver.store.accepted) == 1
    assert outbox_message(onboarding).attempts == 5


def test_receiver_answering_400_marks_failed_without_retry(complete_with_credentials, start_receiver):
    from wizard.handoff.keys import generate_key_pair

    # The receiver holds a different private key: it cannot decrypt, so it answers 400.
    receiver = start_receiver(private_pem=generate_key_pair(2048)[0])
    onboarding = complete_with_credentials()

    assert deliver_due() == {"failed": 1}
    message = outbox_message(onboarding)
    assert message.state is OutboxState.FAILED and message.last_status == 400
    assert message.next_attempt_at is None and "cannot be decrypted" in message.last_error
    assert deliver_due(now=utcnow() + timedelta(days=5)) == {}
    assert receiver.store.requests == 1 and not receiver.store.accepted
    assert "handoff.failed" in events(onboarding)
    assert onboarding.credential.secret is not None  # kept until someone fixes it


def test_retries_stop_after_about_three_days_then_retry_by_hand(complete_with_credentials,
                                                              start_receiver, app):
    port = free_port()
    app.config["SYNC_URL"] = f"http://127.0.0.1:{port}/webhooks/onboarding"
    onboarding = complete_with_credentials()
    first = utcnow()
    deliver_due()
    while outbox_message(onboarding).state is OutboxState.PENDING:
        last = outbox_message(onboarding).next_attempt_at
        deliver_at_next_attempt(onboarding)
    message = outbox_message(onboarding)
    assert message.state is OutboxState.DEAD and message.attempts == MAX_ATTEMPTS
    assert timedelta(days=2.4) < last - first < timedelta(days=3.6)
    assert "handoff.dead_lettered" in events(onboarding)

    receiver = start_receiver(port=port)
    retry_message(find_message(str(message.id)))
    db.session.commit()
    assert deliver_due() == {"delivered": 1}
    assert len(receiver.store.accepted) == 1
    assert "handoff.retried" in events(onboarding)


@pytest.mark.parametrize("status, state", [
    (500, OutboxState.PENDING), (502, OutboxState.PENDING), (503, OutboxState.PENDING),
    (408, OutboxState.PENDING), (429, OutboxState.PENDING),
    (301, OutboxState.FAILED), (400, OutboxState.FAILED), (401, OutboxState.FAILED),
    (404, OutboxState.FAILED), (409, OutboxState.FAILED), (422, OutboxState.FAILED),
])
def test_answers_decide_between_retry_and_stop(complete_with_credentials, app, status, state):
    from tests.support.servers import ThreadedServer

    def answer(environ, start_response):
        start_response(f"{status} Whatever", [("Content-Type", "text/plain"), ("Location", "/x")])
        return [b"no thanks"]

    with ThreadedServer(answer) as server:
        app.config["SYNC_URL"] = f"{server.url}/hook"
        onboarding = complete_with_credentials()
        deliver_due()
    message = outbox_message(onboarding)
    assert (message.state, message.last_status) == (state, status)
    assert message.last_error.startswith(f"HTTP {status}")
    assert (message.next_attempt_at is not None) == (state is OutboxState.PENDING)


@pytest.mark.both_databases
def test_parallel_workers_deliver_each_message_once(complete_with_credentials, receiver, app):
    onboardings = [complete_with_credentials(organisation=f"Klant {n} B.V.") for n in range(12)]
    db.session.remove()
    barrier = threading.Barrier(4)
    errors = []

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                while deliver_due(limit=2):
                    pass
            except Exception as error:  # noqa: BLE001 - reported to the test below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert receiver.store.requests == len(onboardings)
    assert receiver.store.duplicates == 0 and len(receiver.store.accepted) == len(onboardings)
    states = db.session.scalars(select(OutboxMessage.state)).all()
    assert states == [OutboxState.DELIVERED] * len(onboardings)
    assert set(db.session.scalars(select(OutboxMessage.attempts))) == {1}


def test_a_repeated_send_is_accepted_once(complete_with_credentials, receiver):
    """At-least-once delivery plus the constant webhook-id: the receiver ignores the repeat."""
    from wizard.handoff.delivery import send
    from wizard.handoff.payload import encode_body

    onboarding = complete_with_credentials()
    message = outbox_message(onboarding)
    body = encode_body(message.payload)
    with requests.Session() as http:
        first = send(message.message_id, body, http)
        again = send(message.message_id, body, http)
    assert first.json()["status"] == "accepted" and again.json()["status"] == "duplicate"
    assert again.status_code == 200
    assert len(receiver.store.accepted) == 1 and receiver.store.duplicates == 1


def test_a_claim_is_exclusive_until_its_lease_expires(complete_with_credentials, app):
    from wizard.handoff.service import claim_due

    complete_with_credentials()
    now = utcnow()
    lease = timedelta(seconds=app.config["OUTBOX_LEASE_SECONDS"])
    first = claim_due(now)
    assert len(first.ids) == 1
    assert claim_due(now).ids == ()
    assert claim_due(now + lease - timedelta(seconds=1)).ids == ()
    taken_over = claim_due(now + lease + timedelta(seconds=1))
    assert taken_over.ids == first.ids and taken_over.token != first.token
    assert db.session.get(OutboxMessage, first.ids[0]).attempts == 2


def test_an_outcome_from_a_worker_that_lost_its_claim_is_ignored(complete_with_credentials, app):
    from wizard.handoff.service import claim_due, record_delivered

    onboarding = complete_with_credentials()
    now = utcnow()
    stale = claim_due(now)
    current = claim_due(now + timedelta(seconds=app.config["OUTBOX_LEASE_SECONDS"] + 1))
    assert record_delivered(db.session.get(OutboxMessage, stale.ids[0]), stale.token, 200) is False
    message = outbox_message(onboarding)
    assert message.state is OutboxState.SENDING and message.claim_token == current.token
    assert onboarding.credential.secret is not None
