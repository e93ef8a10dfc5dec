"""Delivery etiquette: Retry-After is honoured, a 410 stops delivery until an operator says so,
and the signing secret can rotate without a missed message."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from sqlalchemy import select

from tests.handoff.conftest import RunningReceiver, outbox_message
from tests.support.servers import ThreadedServer
from wizard.extensions import db
from wizard.handoff.delivery import deliver_due, retry_after
from wizard.handoff.endpoint import delivery_blocked
from wizard.handoff.keys import new_webhook_secret
from wizard.handoff.service import MAX_RETRY_AFTER
from wizard.models import AuditEvent, OutboxMessage, OutboxState
from wizard.models.base import utcnow

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("value, wait", [
    ("120", timedelta(seconds=120)),
    (" 0 ", timedelta(0)),
    ("Mon, 23 Nov 2026 13:30:00 GMT", timedelta(minutes=90)),
    ("Mon, 23 Nov 2026 11:00:00 GMT", timedelta(0)),  # a date in the past: go now
    (None, None), ("", None), ("soon", None), ("-5", None), ("1.5", None), ("²", None),
    ("Mon, 99 Foo 2026 13:30:00 GMT", None), ("9" * 5000, timedelta(seconds=10**8)),
])
def test_retry_after_reads_seconds_and_http_dates(value, wait):
    assert retry_after(value, NOW) == wait


class ScriptedBackend(ThreadedServer):
    """A sync backend that answers each request with the next (status, headers) of a script."""

    def __init__(self, *answers):
        self.answers, self.requests = list(answers), []

        def app(environ, start_response):
            self.requests.append(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
            status, headers = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
            start_response(f"{status} Scripted", [("Content-Type", "text/plain"), *headers.items()])
            return [b"scripted answer"]

        super().__init__(app)


@pytest.fixture
def backend(app):
    running = []

    def start(*answers) -> ScriptedBackend:
        server = ScriptedBackend(*answers).start()
        running.append(server)
        app.config["SYNC_URL"] = f"{server.url}/hook?key=url-secret"
        return server

    yield start
    for server in running:
        server.stop()


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_in_seconds_is_waited_for(complete_with_credentials, backend, status):
    backend((status, {"Retry-After": "3600"}))
    onboarding = complete_with_credentials()
    before = utcnow()
    assert deliver_due() == {"pending": 1}
    message = outbox_message(onboarding)
    assert message.next_attempt_at - before >= timedelta(seconds=3600)  # not the 1-minute backoff
    assert deliver_due(now=before + timedelta(minutes=59)) == {}


def test_retry_after_as_an_http_date_is_waited_for(complete_with_credentials, backend):
    until = utcnow().replace(microsecond=0) + timedelta(hours=2)
    backend((503, {"Retry-After": format_datetime(until, usegmt=True)}))
    onboarding = complete_with_credentials()
    deliver_due()
    assert outbox_message(onboarding).next_attempt_at >= until


def test_retry_after_is_capped_and_ignored_on_other_answers(complete_with_credentials, backend):
    backend((429, {"Retry-After": str(30 * 24 * 3600)}))
    capped = complete_with_credentials()
    before = utcnow()
    deliver_due()
    assert outbox_message(capped).next_attempt_at - before <= MAX_RETRY_AFTER + timedelta(seconds=5)

    backend((500, {"Retry-After": "7200"}))
    ignored = complete_with_credentials(organisation="Tweede B.V.")
    before = utcnow()
    deliver_due()
    assert outbox_message(ignored).next_attempt_at - before < timedelta(minutes=2)


def test_410_stops_all_delivery_until_an_operator_enables_it(
        app, complete_with_credentials, backend, start_receiver, runner, caplog):
    gone = backend((410, {}))
    onboardings = [complete_with_credentials(organisation=f"Klant {n} B.V.") for n in range(3)]

    with caplog.at_level(logging.ERROR, logger="wizard.handoff.endpoint"):
        assert deliver_due() == {"pending": 1}
    assert len(gone.requests) == 1  # the other two were not sent
    assert any(r.levelno == logging.ERROR and "410" in r.getMessage() for r in caplog.records)
    assert "url-secret" not in caplog.text

    block = delivery_blocked()
    assert block is not None and block.status == 410 and block.url.endswith("/hook")
    assert "url-secret" not in block.url and "flask outbox enable" in block.reason
    assert block.message_id in {outbox_message(o).message_id for o in onboardings}
    messages = [outbox_message(o) for o in onboardings]
    assert {m.state for m in messages} == {OutboxState.PENDING}
    assert sorted(m.attempts for m in messages) == [0, 0, 1]  # released claims do not count

    # Nothing goes out, however long we wait, and every worker sees the same flag.
    assert deliver_due(now=utcnow() + timedelta(days=10)) == {}
    assert len(gone.requests) == 1
    listing = runner.invoke(args=["outbox", "list"])
    assert "Delivery is stopped" in listing.output and "flask outbox enable" in listing.output

    result = runner.invoke(args=["outbox", "enable"])
    assert result.exit_code == 0 and "enabled again" in result.output
    assert delivery_blocked() is None
    assert runner.invoke(args=["outbox", "enable"]).output.startswith("Delivery to the sync backend "
                                                                      "was not stopped")
    gone.answers = [(200, {})]
    assert deliver_due() == {"delivered": 3}
    types = db.session.scalars(select(AuditEvent.event_type).where(
        AuditEvent.onboarding_id.is_(None))).all()
    assert types == ["delivery.disabled", "delivery.enabled"]


def test_a_block_on_an_old_url_does_not_stop_a_new_one(app, complete_with_credentials, backend,
                                                       receiver):
    backend((410, {}))
    onboarding = complete_with_credentials()
    deliver_due()
    assert delivery_blocked() is not None
    app.config["SYNC_URL"] = receiver.url  # the operator configured the backend's new address
    assert delivery_blocked() is None
    assert deliver_due() == {"delivered": 1}
    assert outbox_message(onboarding).state is OutboxState.DELIVERED


def test_a_backend_still_on_the_old_secret_accepts_during_rotation(
        app, complete_with_credentials, sync_key_pair, sync_webhook_secret):
    """The wizard signs with the new and the old secret: neither side has to switch first."""
    app.config["SYNC_WEBHOOK_SECRET"] = f"{new_webhook_secret()},{sync_webhook_secret}"
    old_backend = RunningReceiver(sync_webhook_secret, sync_key_pair[0])
    try:
        app.config["SYNC_URL"] = old_backend.url
        complete_with_credentials()
        assert deliver_due() == {"delivered": 1}
        assert len(old_backend.store.accepted) == 1
    finally:
        old_backend.stop()
    assert db.session.scalar(select(OutboxMessage.state)) is OutboxState.DELIVERED


def test_a_huge_answer_is_not_read_whole(complete_with_credentials, app):
    """A backend answering with megabytes of error page: the worker keeps only the start."""
    def answer(environ, start_response):
        start_response("500 Broken", [("Content-Type", "text/plain")])
        return (b"x" * 65536 for _ in range(256))  # 16 MB, streamed

    with ThreadedServer(answer) as server:
        app.config["SYNC_URL"] = f"{server.url}/hook"
        onboarding = complete_with_credentials()
        assert deliver_due() == {"pending": 1}
    message = outbox_message(onboarding)
    assert message.last_error == "HTTP 500: " + "x" * 200
