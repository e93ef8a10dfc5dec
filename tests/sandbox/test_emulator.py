"""The sandbox as a third party uses it: a plain zeep Client that loads the WSDL over HTTP."""
from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import requests
import zeep
from zeep.exceptions import Fault

NS = "https://api.nmbrs.nl/soap/v3/{}"


def soap_client(sandbox, service):
    return zeep.Client(f"{sandbox.soap_url}{service}.asmx?WSDL",
                       settings=zeep.Settings(forbid_dtd=True, forbid_entities=True))


def header(sandbox, scenario, domain=True):
    login = sandbox.state.login(scenario)
    fields = {"Username": login.username, "Token": login.token}
    if domain:
        fields["Domain"] = login.domain
        return {"AuthHeaderWithDomain": fields}
    return {"AuthHeader": fields}


def test_wsdl_points_back_at_the_emulator(nmbrs_sandbox):
    client = soap_client(nmbrs_sandbox, "CompanyService")
    assert client.service._binding_options["address"] == f"{nmbrs_sandbox.soap_url}CompanyService.asmx"
    assert client.wsdl.services["CompanyService"]


def test_environment_get_takes_the_plain_auth_header(nmbrs_sandbox):
    client = soap_client(nmbrs_sandbox, "DebtorService")
    result = client.service.Environment_Get(_soapheaders=header(nmbrs_sandbox, "full", domain=False))
    assert result.SubDomain == "bakkerijvandenberg"
    assert result.Domain == "bakkerijvandenberg.nmbrs.nl"


def test_typed_results(nmbrs_sandbox):
    # zeep flattens the ASMX ArrayOf<T> wrappers into Python lists
    auth = header(nmbrs_sandbox, "full")
    companies = soap_client(nmbrs_sandbox, "CompanyService").service.List_GetAll(_soapheaders=auth)
    assert [c.ID for c in companies] == [100101, 100102, 100103]
    assert companies[0].Name.endswith("B.V.") and companies[0].LoonaangifteTijdvak
    employees = soap_client(nmbrs_sandbox, "EmployeeService")
    salaries = employees.service.Salary_GetAll_AllEmployeesByCompany(CompanyID=100102,
                                                                      _soapheaders=auth)
    item = salaries[0]
    salary = item.EmployeeSalaries.Salary_V2[0]
    assert isinstance(item.EmployeeId, int) and isinstance(salary.Value, Decimal)
    assert isinstance(salary.StartDate, datetime.datetime)
    people = employees.service.PersonalInfo_GetAll_AllEmployeesByCompany(CompanyID=100102,
                                                                          _soapheaders=auth)
    person = people[0].EmployeePersonalInfos.PersonalInfo_V2[0]
    assert person.Gender in {"male", "female"} and len(person.BSN) == 9
    runs = soap_client(nmbrs_sandbox, "CompanyService").service.Run_GetList(
        CompanyId=100102, Year=datetime.date.today().year - 1, _soapheaders=auth)
    assert len(runs) == 12 and runs[0].IsLocked is True


def test_payslip_is_a_pdf(nmbrs_sandbox):
    auth = header(nmbrs_sandbox, "full")
    company = soap_client(nmbrs_sandbox, "CompanyService")
    today = datetime.date.today()
    runs = company.service.Run_GetList(CompanyId=100101, Year=today.year, _soapheaders=auth)
    if not runs:
        pytest.skip("no closed run yet this year (January)")
    employee = soap_client(nmbrs_sandbox, "EmployeeService").service.List_GetByCompany(
        CompanyId=100101, EmployeeType=1, _soapheaders=auth)[0]
    payslips = company.service.SalaryDocuments_GetEmployeePayslipsPDFByRunCompany(
        EmployeeID=employee.Id, CompanyId=100101, RunID=runs[-1].ID, _soapheaders=auth)
    assert payslips[0].PDF.startswith(b"%PDF-1.4")


def test_faults_use_the_nmbrs_format(nmbrs_sandbox):
    client = soap_client(nmbrs_sandbox, "CompanyService")
    with pytest.raises(Fault) as caught:
        client.service.Run_GetList(CompanyId=100101, Year=2024,
                                   _soapheaders=header(nmbrs_sandbox, "missing_rights"))
    assert caught.value.code == "soap:Server"
    assert caught.value.message == "Server was unable to process request. ---> 1002: Unauthorized access"


def test_rights_are_checked_before_ids(nmbrs_sandbox):
    client = soap_client(nmbrs_sandbox, "EmployeeService")
    outcomes = {}
    for scenario in ("full", "missing_rights"):
        with pytest.raises(Fault) as caught:
            client.service.EmployeeDocument_UploadDocument(
                EmployeeId=-1, StrDocumentName="x.pdf", Body=b"",
                GuidDocumentType="00000000-0000-0000-0000-000000000000",
                _soapheaders=header(nmbrs_sandbox, scenario))
        outcomes[scenario] = caught.value.message.split("---> ")[1][:4]
    assert outcomes == {"full": "2003", "missing_rights": "1002"}


def test_upload_to_a_real_employee_stores_the_document(nmbrs_sandbox):
    documents = len(nmbrs_sandbox.state.documents)
    client = soap_client(nmbrs_sandbox, "EmployeeService")
    client.service.EmployeeDocument_UploadDocument(
        EmployeeId=10010201, StrDocumentName="beoordeling.pdf", Body=b"%PDF-1.4 review",
        GuidDocumentType="00000000-0000-0000-0000-000000000000",
        _soapheaders=header(nmbrs_sandbox, "full"))
    stored = nmbrs_sandbox.state.documents[documents:]
    assert [(d.employee_id, d.name, d.size) for d in stored] == [(10010201, "beoordeling.pdf", 15)]


def test_report_task_round_trip(nmbrs_sandbox):
    client = soap_client(nmbrs_sandbox, "ReportService")
    auth = header(nmbrs_sandbox, "full")
    task = client.service.Reports_Accountant_Company_EmployeeWageComponentsPerRun_Background(
        companyId=100101, year=2024, _soapheaders=auth)
    result = client.service.Reports_BackgroundTask_Result(TaskId=task, _soapheaders=auth)
    assert result.Status == "Success" and "<CompanyID>100101</CompanyID>" in result.Content
    unknown = client.service.Reports_BackgroundTask_Result(
        TaskId="2b1f6a7e-0000-4000-8000-000000000000", _soapheaders=auth)
    assert unknown.Status == "Unknown"


POST_HEADERS = {"Content-Type": "text/xml; charset=utf-8"}


def test_a_dtd_in_the_request_is_refused(nmbrs_sandbox):
    body = ('<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
            f'<List_GetAll xmlns="{NS.format("DebtorService")}">&x;</List_GetAll>'
            "</soap:Body></soap:Envelope>")
    response = requests.post(f"{nmbrs_sandbox.soap_url}DebtorService.asmx", data=body,
                             headers=POST_HEADERS, timeout=5)
    assert response.status_code == 500
    assert b"soap:Client" in response.content and b"root:" not in response.content


@pytest.mark.parametrize("body", [b"not xml", b"<a/>",
                                  b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/'
                                  b'envelope/"><soap:Body><Nope xmlns="urn:x"/></soap:Body>'
                                  b"</soap:Envelope>"])
def test_bad_requests_get_client_faults(nmbrs_sandbox, body):
    response = requests.post(f"{nmbrs_sandbox.soap_url}DebtorService.asmx", data=body,
                             headers=POST_HEADERS, timeout=5)
    assert response.status_code == 500 and b"<faultcode>soap:" in response.content
    assert b"soap:Server" not in response.content


def test_pages_and_unknown_services(nmbrs_sandbox):
    assert "DebtorService" in requests.get(nmbrs_sandbox.soap_url, timeout=5).text
    assert requests.get(f"{nmbrs_sandbox.soap_url}employeeservice.asmx", timeout=5).ok
    assert requests.get(f"{nmbrs_sandbox.soap_url}PayrollService.asmx", timeout=5).status_code == 404


def test_logins_command_prints_the_scenarios(runner):
    import json

    result = runner.invoke(args=["sandbox", "logins", "--json"])
    entries = json.loads(result.output)["soap_logins"]
    assert {"full", "missing_rights", "wrong_token", "accountant", "debtor_level", "slow",
            "flaky"} <= {e["scenario"] for e in entries}
    assert all(set(e) == {"scenario", "username", "token", "domain", "description"}
               for e in entries)


def test_global_latency_slows_every_call():
    import time

    from tests.conftest import NmbrsSandboxServer

    server = NmbrsSandboxServer(latency=0.2, threads=2).start()
    try:
        started = time.perf_counter()
        response = requests.post(f"{server.soap_url}DebtorService.asmx", data=b"<x/>",
                                 headers=POST_HEADERS, timeout=5)
        # parsing fails before the delay: a bad request is answered at once
        assert response.status_code == 500 and time.perf_counter() - started < 0.2
        client = soap_client(server, "DebtorService")
        started = time.perf_counter()
        client.service.List_GetAll(_soapheaders=header(server, "full"))
        assert time.perf_counter() - started >= 0.2
    finally:
        server.stop()


def test_latency_jitter_spreads_each_call_within_its_bounds(monkeypatch):
    from wizard.sandbox import make_sandbox_app

    app = make_sandbox_app(latency=0.15, jitter=0.05)
    login = app.extensions["nmbrs_sandbox"].login("full")
    ns = NS.format("DebtorService")
    envelope = (f'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
                f'<soap:Header><AuthHeaderWithDomain xmlns="{ns}"><Username>{login.username}'
                f'</Username><Token>{login.token}</Token></AuthHeaderWithDomain></soap:Header>'
                f'<soap:Body><List_GetAll xmlns="{ns}"/></soap:Body></soap:Envelope>')
    slept = []
    monkeypatch.setattr("wizard.sandbox.app.time.sleep", slept.append)
    client = app.test_client()
    for _ in range(200):
        assert client.post("/soap/v3/DebtorService.asmx", data=envelope,
                           headers=POST_HEADERS).status_code == 200
    assert len(slept) == 200 and all(0.1 <= delay <= 0.2 for delay in slept)
    assert min(slept) < 0.11 and max(slept) > 0.19 and len(set(slept)) > 150


def test_serve_takes_latency_and_jitter_from_options(runner, monkeypatch):
    served = {}
    monkeypatch.setattr("waitress.serve", lambda app, **kwargs: served.update(app=app, **kwargs))
    result = runner.invoke(args=["sandbox", "serve", "--port", "5999", "--latency", "0.15",
                                 "--jitter", "0.05"])
    assert result.exit_code == 0, result.output
    state = served["app"].extensions["nmbrs_sandbox"]
    assert (state.latency, state.jitter) == (0.15, 0.05) and served["port"] == 5999
    assert "latency 0.15 s ± 0.05 s" in result.output


def test_logins_command_lists_consent_accounts_demo_client_and_keys(runner):
    import json

    from wizard.sandbox.demo_client import demo_client

    listed = json.loads(runner.invoke(args=["sandbox", "logins", "--json"]).output)
    accounts = listed["consent_accounts"]
    assert {"full", "untick", "accountant", "slow", "revoked", "no_subscription"} <= {
        a["scenario"] for a in accounts}
    assert all({"scenario", "username", "password", "description"} <= set(a) for a in accounts)
    demo = demo_client()
    assert listed["oauth_client"]["client_id"] == demo.client_id
    assert listed["subscription_key"] == demo.subscription_key
    text = runner.invoke(args=["sandbox", "logins"]).output
    assert "welkom-untick" in text and demo.client_id in text and demo.subscription_key in text
