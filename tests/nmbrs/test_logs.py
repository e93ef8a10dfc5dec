"""No personal data from Nmbrs replies in the logs, at any level: canaries at DEBUG.

Replies carry BSNs, salaries, names, addresses and bank accounts. The connector logs
one line per attempt (operation, outcome, HTTP status, size, duration); zeep's own
records keep their fixed wording only.
"""
from __future__ import annotations

import logging

import pytest

from tests.support.hostile_nmbrs import (CANARY_BSN, CANARY_NAME, CANARY_SALARY, HostileNmbrs)
from wizard.nmbrs import NmbrsClient, probe_permissions

CANARIES = (CANARY_BSN, CANARY_NAME, CANARY_SALARY)


@pytest.fixture
def hostile():
    server = HostileNmbrs()
    yield server
    server.close()


@pytest.fixture
def debug_logs(caplog, capfd):
    """Everything logged at DEBUG, as the log records and as written to stdout/stderr."""
    caplog.set_level(logging.DEBUG)
    root = logging.getLogger()
    level, root.level = root.level, logging.DEBUG

    def text() -> str:
        out, err = capfd.readouterr()
        return caplog.text + out + err

    yield text
    root.setLevel(level)


def test_reply_values_never_reach_the_logs(hostile, debug_logs):
    hostile.default = "canary"
    report = probe_permissions(hostile.login("full"), "payroll",
                               client=NmbrsClient(hostile.soap_url, timeout=5))
    assert report.authenticated and CANARY_NAME in report.debtors[0].name  # the data came in
    logged = debug_logs()
    assert "Nmbrs CompanyService.List_GetAll attempt 1: ok, HTTP 200" in logged
    for canary in CANARIES:
        assert canary not in logged


def test_values_zeep_cannot_convert_are_not_quoted_in_its_log(hostile, debug_logs):
    hostile.default = "canary_in_ids"
    client = NmbrsClient(hostile.soap_url, timeout=5)
    client.call(hostile.login("full", with_domain=True), "CompanyService", "List_GetAll")
    logged = debug_logs()
    assert "zeep" in logged and "content withheld: ValueError" in logged  # zeep did complain
    for canary in CANARIES:
        assert canary not in logged


def test_sandbox_people_never_reach_the_logs(app, nmbrs, nmbrs_sandbox, debug_logs):
    """The real sandbox at DEBUG: every BSN, IBAN and surname of the login is a canary."""
    for profile in ("payroll", "reviews", "employee-app"):
        report = probe_permissions(nmbrs_sandbox.login("full"), profile, client=nmbrs)
        assert report.exit_code == 0
        logging.getLogger("wizard.test").info("probe %s -> %s", profile, report.exit_code)
    logged = debug_logs()
    environment = nmbrs_sandbox.state.login("full").environment
    people = [e for company in environment.companies.values() for e in company.employees]
    assert people and "Nmbrs EmployeeService.PersonalInfo_GetAll_AllEmployeesByCompany" in logged
    for person in people:
        for canary in (person.bsn, person.iban, person.last_name, person.email_work):
            assert canary not in logged, canary
