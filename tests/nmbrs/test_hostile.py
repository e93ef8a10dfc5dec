"""A hostile Nmbrs (tests/support/hostile_nmbrs.py): every protection of a single call.

Each test fails when its protection is removed: the reply check (truncated, wrong
shape, HTML), the overall deadline (dripping body or headers), the size limit, and
retries that stop where the deadline leaves no time.
"""
from __future__ import annotations

import time

import pytest

from tests.support.hostile_nmbrs import HostileNmbrs
from wizard.nmbrs import FaultKind, NmbrsClient, NmbrsError


@pytest.fixture
def hostile():
    server = HostileNmbrs()
    yield server
    server.close()


def connect(server, **limits) -> NmbrsClient:
    settings = {"timeout": 2, "retries": 0, "backoff": 0.01, **limits}
    return NmbrsClient(server.soap_url, **settings)


def companies(server, client):
    return client.call(server.login("full", with_domain=True), "CompanyService", "List_GetAll")


def test_the_sandbox_reply_passes_through_untouched(hostile):
    assert [company["ID"] for company in companies(hostile, connect(hostile))] == [
        100101, 100102, 100103]


@pytest.mark.parametrize("mode, kind", [
    ("truncated", FaultKind.TRUNCATED),       # 200 text/xml, cut mid-way, length matching the cut
    ("broken_off", FaultKind.TRUNCATED),      # the connection closed before Content-Length
    ("wrong_shape", FaultKind.MALFORMED_RESPONSE),  # another operation's whole response
    ("html", FaultKind.MALFORMED_RESPONSE),   # a maintenance page with 200
])
def test_a_reply_that_is_not_the_whole_expected_envelope_is_no_answer(hostile, mode, kind):
    hostile.default = mode
    with pytest.raises(NmbrsError) as caught:
        companies(hostile, connect(hostile))
    assert caught.value.kind is kind
    assert caught.value.operation == "CompanyService.List_GetAll"


def test_a_value_result_must_be_there_a_list_may_be_left_out(hostile):
    client, credentials = connect(hostile), hostile.login("full", with_domain=True)
    hostile.default = "empty_response"
    with pytest.raises(NmbrsError) as caught:
        client.call(credentials, "ReportService",
                    "Reports_Accountant_Company_EmployeeWageComponentsPerRun_Background",
                    companyId=100101, year=2024, retry=False)
    assert caught.value.kind is FaultKind.MALFORMED_RESPONSE
    # ASMX leaves a null list out: that is Nmbrs saying "nothing", not a broken reply
    assert client.call(credentials, "CompanyService", "List_GetAll") == []


def test_an_html_error_page_is_unreachable_and_retried(hostile):
    hostile.default = "html_500"
    with pytest.raises(NmbrsError) as caught:
        companies(hostile, connect(hostile, retries=2))
    assert caught.value.kind is FaultKind.UNREACHABLE
    assert len(hostile.requests) == 3


@pytest.mark.parametrize("mode", ["drip_body", "drip_headers"])
def test_a_dripping_server_is_cut_off_at_the_call_deadline(hostile, mode):
    hostile.default = mode
    client = connect(hostile, timeout=0.5, call_deadline=1.0)
    started = time.monotonic()
    with pytest.raises(NmbrsError) as caught:
        companies(hostile, client)
    assert caught.value.kind is FaultKind.TIMEOUT
    assert time.monotonic() - started < 2.0  # every byte came within the read timeout


def test_an_oversized_reply_is_not_read_past_the_limit(hostile):
    hostile.default = "oversized"
    client = connect(hostile, max_reply_bytes=1024 * 1024, call_deadline=30)
    with pytest.raises(NmbrsError) as caught:
        companies(hostile, client)
    assert caught.value.kind is FaultKind.TOO_LARGE
    deadline = time.monotonic() + 5
    while not hostile.sent and time.monotonic() < deadline:
        time.sleep(0.05)
    assert hostile.sent == [("oversized", -1)]  # we hung up long before its 64 MB


def test_retries_stop_where_the_deadline_leaves_no_time_for_them(hostile):
    hostile.default, hostile.delay = "html_500", 0.4
    client = connect(hostile, retries=5, backoff=0.8, call_deadline=1.0)
    started = time.monotonic()
    with pytest.raises(NmbrsError) as caught:
        companies(hostile, client)
    # one attempt (0.4 s); a pause of 0.8 s would end past the 1 s deadline: no second one
    assert caught.value.kind is FaultKind.UNREACHABLE
    assert time.monotonic() - started < 1.0 and len(hostile.requests) == 1
