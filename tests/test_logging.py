"""Structured logs: JSON lines, each with the request id; tokens never in a log line."""
import io
import json
import logging

import pytest


@pytest.fixture
def log_lines(app):
    stream = io.StringIO()
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "wizard")
    previous = handler.setStream(stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    handler.setStream(previous)


def test_every_request_line_carries_its_request_id(client, log_lines):
    response = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    lines = log_lines()
    assert lines and all(line["request_id"] == "abc-123" for line in lines)
    assert lines[-1]["message"] == "GET /healthz -> 200"


def test_hostile_request_ids_are_replaced(client, log_lines):
    response = client.get("/healthz", headers={"X-Request-ID": 'x" {"forged": 1} ' + 'y' * 80})
    generated = response.headers["X-Request-ID"]
    assert len(generated) == 32 and "forged" not in generated
    assert all(line["request_id"] == generated for line in log_lines())


def test_invite_tokens_do_not_reach_the_log(client, wizard, make_onboarding, log_lines):
    _, link = make_onboarding()
    token = link.rsplit("/", 1)[1]
    wizard.open_invite(link)
    client.get("/i/" + token + "tampered")
    text = json.dumps(log_lines())
    assert "GET /i/<path:token>" in text
    assert token not in text
