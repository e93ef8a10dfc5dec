"""Operators' commands: ``outbox list``, ``outbox retry``, ``outbox deliver --once``."""
from __future__ import annotations

from sqlalchemy import select

from tests.handoff.conftest import outbox_message
from wizard.extensions import db
from wizard.models import OutboxMessage, OutboxState


def test_list_shows_state_attempts_and_errors_but_no_secrets(runner, complete_with_credentials):
    token = "nmbrsListing0123456789abcdefghij"
    onboarding = complete_with_credentials(token=token)
    runner.invoke(args=["outbox", "deliver", "--once"])  # nothing listens on SYNC_URL
    message = outbox_message(onboarding)

    result = runner.invoke(args=["outbox", "list"])
    assert result.exit_code == 0, result.output
    line = result.output.splitlines()[1]
    assert str(message.id) in line and "pending" in line and onboarding.public_id in line
    assert f"{message.next_attempt_at:%Y-%m-%d %H:%M}" in line and "ConnectionError" in line
    jwe = message.payload["data"]["credentials"]["jwe"]
    assert token not in result.output and jwe[:40] not in result.output
    assert runner.invoke(args=["outbox", "list", "--state", "delivered"]).output.strip() \
        == "The outbox is empty."


def test_deliver_once_reports_what_it_did(runner, complete_with_credentials, receiver):
    complete_with_credentials()
    complete_with_credentials(organisation="Tweede B.V.")
    result = runner.invoke(args=["outbox", "deliver", "--once"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Outbox: 2 delivered."
    assert len(receiver.store.accepted) == 2
    assert runner.invoke(args=["outbox", "deliver", "--once"]).output.strip() == "Outbox: nothing due."


def test_retry_requeues_a_failed_message_resealed_to_the_current_key(
        app, runner, complete_with_credentials, start_receiver, sync_key_pair):
    from wizard.handoff.keys import generate_key_pair

    wrong_private, wrong_public = generate_key_pair(2048)
    app.config["SYNC_PUBLIC_KEY"] = wrong_public  # the backend's key was configured wrongly
    onboarding = complete_with_credentials()
    receiver = start_receiver()
    runner.invoke(args=["outbox", "deliver", "--once"])
    message = outbox_message(onboarding)
    assert message.state is OutboxState.FAILED

    app.config["SYNC_PUBLIC_KEY"] = sync_key_pair[1]  # fixed
    result = runner.invoke(args=["outbox", "retry", message.message_id])
    assert result.exit_code == 0, result.output
    assert f"Message {message.id} ({message.message_id}) is queued again." in result.output
    runner.invoke(args=["outbox", "deliver", "--once"])
    message = outbox_message(onboarding)
    assert message.state is OutboxState.DELIVERED and message.attempts == 1
    (received,) = receiver.store.accepted.values()
    assert received.message_id == message.message_id


def test_retry_refuses_messages_that_are_not_failed_or_dead(runner, complete_with_credentials):
    complete_with_credentials()
    message = db.session.scalar(select(OutboxMessage))
    result = runner.invoke(args=["outbox", "retry", str(message.id)])
    assert result.exit_code == 1 and "is pending; only failed or dead" in result.output
    result = runner.invoke(args=["outbox", "retry", "msg_doesnotexist"])
    assert result.exit_code == 1 and "no outbox message msg_doesnotexist" in result.output
