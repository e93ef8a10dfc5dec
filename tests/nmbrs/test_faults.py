"""Every way a call can fail maps to one typed outcome, and no message carries the token."""
from __future__ import annotations

import pytest

from wizard.nmbrs import FaultKind, NmbrsClient, NmbrsCredentials, NmbrsError
from wizard.nmbrs.errors import classify_fault

ASMX = "Server was unable to process request. ---> {}"
FAULT_ENVELOPE = (
    '<?xml version="1.0" encoding="utf-8"?><soap:Envelope '
    'xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>'
    "<faultcode>soap:Server</faultcode><faultstring>{}</faultstring><detail />"
    "</soap:Fault></soap:Body></soap:Envelope>")


@pytest.mark.parametrize("text, kind, code", [
    (ASMX.format("1001: Invalid authentication"), FaultKind.BAD_CREDENTIALS, 1001),
    ("Invalid combination email/password", FaultKind.BAD_CREDENTIALS, None),
    (ASMX.format("1002: Unauthorized access"), FaultKind.NOT_ENABLED, 1002),
    (ASMX.format("1003: Unauthorized access data"), FaultKind.NO_ACCESS, 1003),
    (ASMX.format("2003: Unauthorized access"), FaultKind.NO_ACCESS, 2003),
    (ASMX.format("2004: Unauthorized access"), FaultKind.NO_ACCESS, 2004),
    (ASMX.format("2009: Unauthorized access"), FaultKind.NO_ACCESS, 2009),
    (ASMX.format("1004: Disabled, no valid subscription"), FaultKind.NO_SUBSCRIPTION, 1004),
    (ASMX.format("1006: Generic login security failure"), FaultKind.LOGIN_SECURITY, 1006),
    (ASMX.format("9999: Unkown"), FaultKind.UNKNOWN, 9999),
    (ASMX.format("2011: Protected mode"), FaultKind.UNKNOWN, 2011),
    ("Object reference not set to an instance of an object.", FaultKind.UNKNOWN, None),
])
def test_faultstrings_are_classified(text, kind, code):
    assert classify_fault(text) == (kind, code)


@pytest.mark.parametrize("scenario, kind, code", [
    ("wrong_token", FaultKind.BAD_CREDENTIALS, 1001),
    ("no_subscription", FaultKind.NO_SUBSCRIPTION, 1004),
    ("login_security", FaultKind.LOGIN_SECURITY, 1006),
])
def test_login_level_faults_from_the_sandbox(nmbrs, nmbrs_sandbox, scenario, kind, code):
    credentials = nmbrs_sandbox.login(scenario)
    with pytest.raises(NmbrsError) as caught:
        nmbrs.call(credentials, "CompanyService", "List_GetAll")
    assert (caught.value.kind, caught.value.code) == (kind, code)
    assert caught.value.operation == "CompanyService.List_GetAll"
    assert credentials.token not in str(caught.value)


def test_a_wrong_domain_is_bad_credentials(nmbrs, nmbrs_sandbox):
    credentials = nmbrs_sandbox.login("full").with_domain("someoneelse")
    with pytest.raises(NmbrsError) as caught:
        nmbrs.call(credentials, "DebtorService", "List_GetAll")
    assert caught.value.kind is FaultKind.BAD_CREDENTIALS


def test_login_security_failures_are_retried(nmbrs, nmbrs_sandbox):
    before = len(nmbrs_sandbox.state.requests)
    with pytest.raises(NmbrsError):
        nmbrs.call(nmbrs_sandbox.login("login_security"), "EmployeeService", "EmployeeType_GetList")
    assert len(nmbrs_sandbox.state.requests) - before == 1 + nmbrs.retries


@pytest.mark.parametrize("service, operation, args, kind, code", [
    ("CompanyService", "Run_GetList", {"CompanyId": 100101, "Year": 2024},
     FaultKind.NOT_ENABLED, 1002),
    ("CompanyService", "Company_GetCurrentPeriod", {"CompanyId": 999999},
     FaultKind.NO_ACCESS, 2004),
    ("EmployeeService", "PersonalInfo_GetAll_AllEmployeesByCompany", {"CompanyID": 200101},
     FaultKind.NO_ACCESS, 2004),
])
def test_operation_level_faults(nmbrs, nmbrs_sandbox, service, operation, args, kind, code):
    with pytest.raises(NmbrsError) as caught:
        nmbrs.call(nmbrs_sandbox.login("missing_rights"), service, operation, **args)
    assert (caught.value.kind, caught.value.code) == (kind, code)


def test_debtor_and_employee_outside_the_filter(nmbrs, nmbrs_sandbox):
    credentials = nmbrs_sandbox.login("debtor_level")
    with pytest.raises(NmbrsError) as debtor:
        nmbrs.call(credentials, "DebtorService", "Department_GetList", DebtorId=2001)
    with pytest.raises(NmbrsError) as employee:
        nmbrs.call(credentials, "EmployeeService", "PersonalInfo_GetCurrent", EmployeeId=20010101)
    assert (debtor.value.kind, debtor.value.code) == (FaultKind.NO_ACCESS, 2009)
    assert (employee.value.kind, employee.value.code) == (FaultKind.NO_ACCESS, 2003)


def test_timeout(nmbrs_sandbox):
    impatient = NmbrsClient(nmbrs_sandbox.soap_url, timeout=0.05, retries=0)
    with pytest.raises(NmbrsError) as caught:
        impatient.call(nmbrs_sandbox.login("slow"), "DebtorService", "List_GetAll")
    assert caught.value.kind is FaultKind.TIMEOUT


def test_unreachable(scripted_server):
    closed = NmbrsClient("http://127.0.0.1:9/soap/v3/", timeout=1, retries=0)
    with pytest.raises(NmbrsError) as caught:
        closed.call(NmbrsCredentials("u@x.example", "tok-secret"), "DebtorService", "List_GetAll")
    assert caught.value.kind is FaultKind.UNREACHABLE


def test_http_500_error_page_is_unreachable_and_retried(nmbrs_sandbox):
    credentials = nmbrs_sandbox.login("flaky")
    once = NmbrsClient(nmbrs_sandbox.soap_url, timeout=5, retries=0)
    with pytest.raises(NmbrsError) as caught:
        once.call(credentials, "EmployeeService", "EmployeeType_GetList")
    assert caught.value.kind is FaultKind.UNREACHABLE
    patient = NmbrsClient(nmbrs_sandbox.soap_url, timeout=5, retries=1, backoff=0.01)
    assert patient.call(credentials, "DebtorService", "List_GetAll")


@pytest.mark.parametrize("body, status, content_type", [
    ("hello, not xml", "200 OK", "text/plain"),
    ("<html><body>maintenance</body></html>", "200 OK", "text/html"),
    ('<?xml version="1.0"?><NotAnEnvelope/>', "200 OK", "text/xml"),
    ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY boom "boom">]><soap:Envelope '
     'xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&boom;</soap:Body>'
     "</soap:Envelope>", "200 OK", "text/xml"),
])
def test_malformed_responses(scripted_server, body, status, content_type):
    scripted_server.respond(body, status, content_type)
    client = NmbrsClient(scripted_server.url, timeout=2, retries=0)
    with pytest.raises(NmbrsError) as caught:
        client.call(NmbrsCredentials("u@x.example", "tok-secret"), "DebtorService", "List_GetAll")
    assert caught.value.kind is FaultKind.MALFORMED_RESPONSE


def test_a_fault_echoing_the_token_is_scrubbed(scripted_server):
    scripted_server.respond(FAULT_ENVELOPE.format(ASMX.format("9999: Unkown tok-secret-42")),
                            "500 Internal Server Error")
    client = NmbrsClient(scripted_server.url, timeout=2, retries=0)
    with pytest.raises(NmbrsError) as caught:
        client.call(NmbrsCredentials("u@x.example", "tok-secret-42"), "DebtorService", "List_GetAll")
    assert (caught.value.kind, caught.value.code) == (FaultKind.UNKNOWN, 9999)
    assert "tok-secret-42" not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def test_credentials_never_show_the_token():
    credentials = NmbrsCredentials("u@x.example", "tok-secret-42", "acme")
    assert "tok-secret-42" not in repr(credentials) + str(credentials)
    assert credentials.with_domain("other").token == "tok-secret-42"
