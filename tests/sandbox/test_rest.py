"""The REST API under ``/api``: gateway, tokens, scopes, filters, paging, data (NMBRS.md §9, §11)."""
from __future__ import annotations

import datetime
import uuid

import pytest
import requests
import zeep

from tests.support.oauth import PAYROLL_SCOPES, OAuthActions

ALL_READS = ("offline_access company.info.read company.payrollsettings.read "
             "company.document.read document.read debtor.info.read user.info.read "
             "employee.info.read employee.employment.read employee.payrollsettings.read "
             "employee.bankaccount.read employee.orgstructure.read")
EMPLOYEE_READS = {"personalinfo": "info", "addresses": "addresses", "departments": "departments",
                  "functions": "functions", "employments": "employments",
                  "contracts": "contracts", "salaries": "salaries", "schedules": "schedules",
                  "svwsettings": "employeeSVWSettings", "bankaccounts": "bankAccounts"}


@pytest.fixture(scope="module")
def full_token(nmbrs_sandbox) -> str:
    """One consent of the `full` account to every read scope, shared by this module's reads."""
    return OAuthActions(nmbrs_sandbox).tokens_for("full", ALL_READS)["access_token"]


@pytest.fixture
def first_company(oauth, full_token) -> str:
    return oauth.api("/api/companies", full_token).json()["data"][0]["companyId"]


def nmbrs_error(response, status: int, code: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and body["httpStatus"] == status
    assert body["title"] and body["detail"] and body["type"] and body["docUrl"]
    return body


# --- gateway and token -----------------------------------------------------------------------

def test_the_gateway_wants_a_known_subscription_key(oauth, full_token, nmbrs_sandbox):
    url = f"{nmbrs_sandbox.rest_url}/api/debtors"
    missing = requests.get(url, headers={"Authorization": f"Bearer {full_token}"}, timeout=10)
    assert missing.status_code == 401 and missing.json()["statusCode"] == 401
    assert "missing subscription key" in missing.json()["message"]
    wrong = oauth.api("/api/debtors", full_token, key="not-a-key")
    assert wrong.status_code == 401 and "invalid subscription key" in wrong.json()["message"]


def test_a_bearer_token_is_required_and_must_be_valid(oauth):
    missing = oauth.api("/api/debtors", None)
    assert nmbrs_error(missing, 401, 40101)["title"] == "Missing_Token"
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert nmbrs_error(oauth.api("/api/debtors", "made-up"), 401, 40102)["title"] == "Invalid_Token"


def test_an_environment_without_subscription_is_403_40304(oauth):
    token = oauth.tokens_for("no_subscription", ALL_READS)["access_token"]
    nmbrs_error(oauth.api("/api/debtors", token), 403, 40304)
    nmbrs_error(oauth.api("/api/user/info", token), 403, 40304)


# --- scope, filter, ids ----------------------------------------------------------------------

def test_a_missing_scope_is_403_40303_before_any_id_is_looked_at(oauth, first_company):
    token = oauth.tokens_for("full", "company.info.read")["access_token"]
    nobody = str(uuid.uuid4())
    for path in (f"/api/companies/{nobody}/runs", f"/api/companies/{first_company}/runs",
                 f"/api/companies/not-a-guid/employees/salaries", "/api/user/info",
                 f"/api/documents/{nobody}"):
        body = nmbrs_error(oauth.api(path, token), 403, 40303)
        assert "scope" in body["detail"]
    full = oauth.tokens_for("full", PAYROLL_SCOPES)["access_token"]
    nmbrs_error(oauth.api(f"/api/companies/{nobody}/runs", full), 404, 40404)
    nmbrs_error(oauth.api(f"/api/debtors/{nobody}/departments",
                          oauth.tokens_for("full", "employee.orgstructure.read")["access_token"]),
                404, 40401)
    bad = nmbrs_error(oauth.api("/api/companies/not-a-guid/runs", full), 400, 40033)
    assert bad["invalid-params"][0]["name"] == "companyId"


def test_the_logins_filter_hides_debtors_and_companies_with_40303(oauth):
    accountant = oauth.tokens_for("accountant", "company.info.read")["access_token"]
    debtors = oauth.api("/api/debtors", accountant).json()["data"]
    seventh = debtors[6]["debtorId"]
    own = oauth.api(f"/api/debtors/{seventh}/companies", accountant, pageSize=10).json()["data"]
    client = oauth.tokens_for("debtor_level", "company.info.read employee.info.read")
    token = client["access_token"]
    visible = oauth.api("/api/companies", token).json()["data"]
    assert [c["companyId"] for c in visible] == [c["companyId"] for c in own[:4]]
    assert oauth.api(f"/api/debtors/{seventh}/companies", token).json()["pagination"][
        "totalRecords"] == 4
    nmbrs_error(oauth.api(f"/api/companies/{own[4]['companyId']}/employees", token), 403, 40303)
    nmbrs_error(oauth.api(f"/api/debtors/{debtors[0]['debtorId']}/companies", token), 403, 40303)
    assert oauth.api(f"/api/companies/{own[0]['companyId']}/employees", token).status_code == 200


def test_a_write_scope_satisfies_its_read_variant(oauth):
    token = oauth.tokens_for("full", "company.info employee.info")["access_token"]
    company = oauth.api("/api/companies", token).json()["data"][0]["companyId"]
    assert oauth.api(f"/api/companies/{company}/employees/personalinfo", token).status_code == 200
    nmbrs_error(oauth.api(f"/api/companies/{company}/employees/salaries", token), 403, 40303)


# --- paging ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("params", "name"), [({"pageSize": 101}, "pageSize"),
                                              ({"pageSize": 0}, "pageSize"),
                                              ({"pageNumber": 0}, "pageNumber"),
                                              ({"pageNumber": "two"}, "pageNumber")])
def test_bad_paging_is_400_40033_with_invalid_params(oauth, full_token, params, name):
    body = nmbrs_error(oauth.api("/api/debtors", full_token, **params), 400, 40033)
    assert body["type"] == "validationError" and body["title"] == "Parameter_Invalid"
    assert [p["name"] for p in body["invalid-params"]] == [name]


def test_pagination_links_walk_the_list(oauth, nmbrs_sandbox):
    token = oauth.tokens_for("accountant", "company.info.read")["access_token"]
    debtor = oauth.api("/api/debtors", token).json()["data"][0]["debtorId"]
    first = oauth.api(f"/api/debtors/{debtor}/companies", token, pageSize=7).json()
    paging = first["pagination"]
    assert (paging["pageNumber"], paging["pageSize"], paging["totalPages"],
            paging["totalRecords"]) == (1, 7, 4, 26)
    assert paging["previousPage"] is None and "pageNumber=4" in paging["lastPage"]
    seen, page = [], first
    headers = {"Authorization": f"Bearer {token}",
               "X-Subscription-Key": nmbrs_sandbox.subscription_key}
    while True:
        seen += page["data"]
        if not page["pagination"]["nextPage"]:
            break
        page = requests.get(page["pagination"]["nextPage"], headers=headers, timeout=10).json()
    assert len(seen) == 26 and page["pagination"]["pageNumber"] == 4
    assert "pageNumber=3" in page["pagination"]["previousPage"]
    beyond = oauth.api(f"/api/debtors/{debtor}/companies", token, pageNumber=9).json()
    assert beyond["data"] == [] and beyond["pagination"]["nextPage"] is None
    default = oauth.api("/api/debtors", token).json()["pagination"]
    assert (default["pageSize"], default["totalPages"], default["totalRecords"]) == (20, 2, 40)


# --- throttling ------------------------------------------------------------------------------

def test_a_throttled_key_gets_429_42908_with_retry_after(private_oauth, private_sandbox):
    token = private_oauth.tokens_for("full", "company.info.read")["access_token"]
    key = next(k.key for k in private_sandbox.state.consent.subscription_keys
               if k.calls_per_minute)
    assert [private_oauth.api("/api/debtors", token, key=key).status_code
            for _ in range(5)] == [200] * 5
    private_sandbox.state.clock.advance(20)
    throttled = private_oauth.api("/api/debtors", token, key=key)
    body = nmbrs_error(throttled, 429, 42908)
    assert body["type"] == "throttlingError" and throttled.headers["Retry-After"] == "40"
    private_sandbox.state.clock.advance(40)
    assert private_oauth.api("/api/debtors", token, key=key).status_code == 200


def test_a_used_up_quota_is_429_42909_without_retry_after(private_oauth, private_sandbox):
    token = private_oauth.tokens_for("full", "company.info.read")["access_token"]
    key = private_sandbox.subscription_key
    private_sandbox.state.gateway.limit(key, calls_left=2)
    assert private_oauth.api("/api/debtors", token).status_code == 200
    assert private_oauth.api("/api/debtors", token).status_code == 200
    exhausted = private_oauth.api("/api/debtors", token)
    nmbrs_error(exhausted, 429, 42909)
    assert "Retry-After" not in exhausted.headers
    preset = next(k.key for k in private_sandbox.state.consent.subscription_keys
                  if k.calls_left == 0)
    nmbrs_error(private_oauth.api("/api/debtors", token, key=preset), 429, 42909)


# --- data ------------------------------------------------------------------------------------

def test_the_same_company_and_employees_in_soap_and_rest(oauth, full_token, nmbrs_sandbox):
    soap = zeep.Client(f"{nmbrs_sandbox.soap_url}CompanyService.asmx?WSDL")
    login = nmbrs_sandbox.state.login("full")
    header = {"AuthHeaderWithDomain": {"Username": login.username, "Token": login.token,
                                       "Domain": login.domain}}
    companies = soap.service.List_GetAll(_soapheaders=header)
    by_guid = {}
    for company in companies:
        mapping = soap.service.Converter_GetByCompany_IntToGuid(
            Entity="Company", CompanyId=company.ID, _soapheaders=header)
        by_guid[mapping.Mappings.Mapping[0].IdGuid] = company
    rest = oauth.api("/api/companies", full_token).json()["data"]
    assert {c["companyId"]: c["name"] for c in rest} == {g: c.Name for g, c in by_guid.items()}
    first = companies[0]
    employees = soap.service.Converter_GetByCompany_IntToGuid(
        Entity="Employee", CompanyId=first.ID, _soapheaders=header).Mappings.Mapping
    guid = next(g for g, c in by_guid.items() if c.ID == first.ID)
    listed = oauth.api(f"/api/companies/{guid}/employees", full_token, pageSize=100).json()
    assert {e["employeeId"] for e in listed["data"]} == {m.IdGuid for m in employees}


def test_user_debtor_and_organisation_reads(oauth, full_token):
    user = oauth.api("/api/user/info", full_token).json()["data"]
    assert [(u["email"], u["name"], u["language"]) for u in user] == [
        ("sanne@bakkerijvandenberg.example", "Sanne van den Berg", "NL")]
    debtors = oauth.api("/api/debtors", full_token).json()["data"]
    assert [d["name"] for d in debtors] == ["Bakkerij Van den Berg"]
    assert user[0]["debtorId"] == debtors[0]["debtorId"]
    info = oauth.api("/api/debtors/info", full_token).json()["data"][0]
    assert info["debtor"] == debtors[0] and info["address"]["countryISOCode"] == "NL"
    debtor = debtors[0]["debtorId"]
    departments = oauth.api(f"/api/debtors/{debtor}/departments", full_token).json()["data"]
    functions = oauth.api(f"/api/debtors/{debtor}/functions", full_token).json()["data"]
    assert len(departments) == 4 and len(functions) == 5
    assert {"departmentId", "code", "description"} <= set(departments[0])
    companies = oauth.api(f"/api/debtors/{debtor}/companies", full_token).json()["data"]
    assert [c["number"] for c in companies] == ["1", "2", "3"]
    assert all(c["debtorId"] == debtor for c in companies)


def test_company_period_runs_and_wage_taxes(oauth, full_token, first_company):
    period = oauth.api(f"/api/companies/{first_company}/period", full_token).json()["data"][0]
    today = datetime.date.today()
    assert period["period"]["year"] == today.year and period["periodType"] in ("month", "4-weeks")
    last_year = today.year - 1
    runs = oauth.api(f"/api/companies/{first_company}/runs", full_token, year=last_year).json()
    assert runs["pagination"]["totalRecords"] == 12
    assert runs["data"][0]["locked"] is True and runs["data"][0]["year"] == last_year
    taxes = oauth.api(f"/api/companies/{first_company}/wagetaxes", full_token, year=last_year)
    assert taxes.json()["pagination"]["totalRecords"] == 12
    assert taxes.json()["data"][0]["status"] == "Verzonden"
    body = nmbrs_error(oauth.api(f"/api/companies/{first_company}/runs", full_token, year="x"),
                       400, 40033)
    assert body["invalid-params"][0]["name"] == "year"


def test_a_wage_tax_xml_is_a_document_task(oauth, full_token, first_company):
    last_year = datetime.date.today().year - 1
    declaration = oauth.api(f"/api/companies/{first_company}/wagetaxes", full_token,
                            year=last_year).json()["data"][0]
    started = oauth.api(f"/api/companies/{first_company}/wagetaxes/"
                        f"{declaration['wageTaxId']}/xml", full_token)
    task = started.json()["taskId"]
    assert started.status_code == 200
    assert oauth.api(f"/api/documents/{task}", full_token).status_code == 202
    done = oauth.api(f"/api/documents/{task}", full_token)
    assert done.status_code == 200
    assert done.headers["Content-Type"] == "application/octet-stream"
    assert done.content.startswith(b"<?xml") and b"<Loonaangifte>" in done.content
    other = oauth.tokens_for("untick", PAYROLL_SCOPES)["access_token"]
    nmbrs_error(oauth.api(f"/api/documents/{task}", other), 404, 40401)
    nmbrs_error(oauth.api(f"/api/documents/{uuid.uuid4()}", full_token), 404, 40401)
    nmbrs_error(oauth.api(f"/api/companies/{first_company}/wagetaxes/{uuid.uuid4()}/xml",
                          full_token), 404, 40401)


@pytest.mark.parametrize(("path", "key"), EMPLOYEE_READS.items())
def test_company_wide_employee_reads(oauth, full_token, first_company, path, key):
    response = oauth.api(f"/api/companies/{first_company}/employees/{path}", full_token,
                         pageSize=100)
    assert response.status_code == 200
    body = response.json()
    assert body["pagination"]["totalRecords"] == len(body["data"]) > 0
    item = body["data"][0]
    assert set(item) == {"employeeId", key} and len(item[key]) == 1
    one = oauth.api(f"/api/companies/{first_company}/employees/{path}", full_token,
                    employeeId=item["employeeId"]).json()["data"]
    assert one == [item]


def test_the_employee_list_filters_by_type(oauth, full_token, first_company):
    everyone = oauth.api(f"/api/companies/{first_company}/employees", full_token,
                         pageSize=100).json()["data"]
    kinds = {e["employeeBasicInfo"]["employeeType"] for e in everyone}
    assert kinds <= {"payroll", "formerPayroll"} and "payroll" in kinds
    payroll = oauth.api(f"/api/companies/{first_company}/employees", full_token, pageSize=100,
                        employeeType="payroll").json()["data"]
    assert payroll == [e for e in everyone
                       if e["employeeBasicInfo"]["employeeType"] == "payroll"]
    bad = nmbrs_error(oauth.api(f"/api/companies/{first_company}/employees", full_token,
                                employeeType="payroll,boss"), 400, 40033)
    assert bad["invalid-params"][0]["name"] == "employeeType"
    assert oauth.api(f"/api/companies/{first_company}/employees", full_token,
                     employeeId=str(uuid.uuid4())).json()["data"] == []


def test_an_unknown_api_path_answers_in_nmbrs_shape(oauth, full_token):
    nmbrs_error(oauth.api("/api/payroll/everything", full_token), 404, 40401)


def test_rest_calls_are_recorded_by_account_and_endpoint(oauth, full_token, nmbrs_sandbox):
    oauth.api("/api/debtors", full_token)
    assert nmbrs_sandbox.state.rest_calls[-1] == ("full", "/api/debtors")
