"""HTTP face of the sandbox's Nmbrs REST API (``api.nmbrsapp.com``, NMBRS.md §9 and §11).

Every call passes, in this order: the gateway (``X-Subscription-Key``, then the key's plan:
429), the bearer token (401 ``40101``/``40102``), the environment's subscription (403 ``40304``),
the endpoint's scope (403 ``40303``), then the consenting login's filter on debtors and companies
(403 ``40303``) and finally the ids (404, 400). Scope before ids mirrors SOAP, where the template's
right is checked before any id; the relative order of the other checks is inferred.
Answers use Nmbrs' envelope ``{"pagination": {...}, "data": [...]}`` and error body.
"""
from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import date
from functools import wraps
from typing import Callable, Iterable
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, request

from wizard.sandbox import rest_resources as resources
from wizard.sandbox.authorization import Access
from wizard.sandbox.consent_accounts import ConsentAccount
from wizard.sandbox.data import Company, Debtor
from wizard.sandbox.gateway import Throttled
from wizard.sandbox.ids import entity_guid
from wizard.sandbox.operations import wage_tax_declarations
from wizard.sandbox.scopes import accepted_scopes

bp = Blueprint("nmbrs_rest", __name__, url_prefix="/api")
DOC_URL = "https://developer.nmbrs.com/api/docs/errors"
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Codes and titles from the spec and the REST SDK (NMBRS.md §11); the detail texts are ours.
ERRORS = {
    40033: (400, "validationError", "Parameter_Invalid", "A parameter is not valid."),
    40101: (401, "authenticationError", "Missing_Token", "No bearer token was sent."),
    40102: (401, "authenticationError", "Invalid_Token",
            "The token is not valid: unknown, expired or revoked."),
    40303: (403, "authenticationError", "Unauthorized_AccessData",
            "You have no access to this debtor or company. Ask the environment's administrator "
            "to review your login's tags and filters."),
    40304: (403, "authenticationError", "Invalid_Subscription",
            "The environment is disabled: it has no valid subscription."),
    # Inferred: 40306 is known from the REST SDK only; its title and text are ours.
    40306: (403, "authenticationError", "Multiple_Debtors",
            "This consent covers several debtors; list companies per debtor instead "
            "(GET /api/debtors/{debtorId}/companies)."),
    40401: (404, "invalidRequestError", "Not_Found", "The resource does not exist."),
    40404: (404, "invalidRequestError", "Invalid_Company",
            "The company does not exist. Check the company id."),
    42908: (429, "throttlingError", "Too_Many_Calls",
            "More calls than your subscription plan allows right now."),
    42909: (429, "throttlingError", "Quota_Exceeded", "Your plan's call volume is used up."),
}
# Inferred: Nmbrs' gateway answers a missing or unknown key itself, before Nmbrs sees the call,
# in the gateway's own JSON (Azure API Management's defaults); the exact texts are not verified.
GATEWAY_MISSING_KEY = ("Access denied due to missing subscription key. Make sure to include "
                       "subscription key when making requests to an API.")
GATEWAY_INVALID_KEY = ("Access denied due to invalid subscription key. Make sure to provide a "
                       "valid key for an active subscription.")


class ApiError(Exception):
    """An Nmbrs error answer: ``code`` from ``ERRORS``, optionally a detail and bad parameters."""

    def __init__(self, code: int, detail: str | None = None,
                 invalid_params: Iterable[tuple[str, str]] = (), retry_after: int | None = None):
        super().__init__(code)
        self.code = code
        self.detail = detail
        self.invalid_params = list(invalid_params)
        self.retry_after = retry_after


class GatewayRefusal(Exception):
    """The gateway's own 401 for a missing or unknown subscription key."""


@dataclass(frozen=True)
class Caller:
    """Who calls (the consenting account) and today's date."""

    account: ConsentAccount
    today: date


def _sandbox():
    return current_app.extensions["nmbrs_sandbox"]


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> Response:
    status, kind, title, detail = ERRORS[error.code]
    body = {"type": kind, "httpStatus": status, "code": error.code, "title": title,
            "detail": error.detail or detail, "docUrl": DOC_URL}
    if error.invalid_params:
        body["invalid-params"] = [{"name": name, "reason": reason}
                                  for name, reason in error.invalid_params]
    response = jsonify(body)
    response.status_code = status
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    if status == 401:   # RFC 6750 §3: no error attribute when no token was sent
        response.headers["WWW-Authenticate"] = ("Bearer" if error.code == 40101
                                                else 'Bearer error="invalid_token"')
    return response


@bp.errorhandler(GatewayRefusal)
def _gateway_refusal(refusal: GatewayRefusal) -> Response:
    response = jsonify({"statusCode": 401, "message": str(refusal)})
    response.status_code = 401
    return response


@bp.app_errorhandler(404)
def _no_such_endpoint(error):
    """Unknown paths under ``/api/`` get Nmbrs' error body; elsewhere the plain 404 stays."""
    if request.path.startswith(bp.url_prefix + "/"):
        return _api_error(ApiError(40401, "No such endpoint."))
    return error


def _admit(read_scope: str) -> Caller:
    """The checks every endpoint makes before it looks at any id."""
    sandbox = _sandbox()
    key = request.headers.get("X-Subscription-Key", "")
    if not key:
        raise GatewayRefusal(GATEWAY_MISSING_KEY)
    if not sandbox.gateway.knows(key):
        raise GatewayRefusal(GATEWAY_INVALID_KEY)
    try:
        sandbox.gateway.admit(key)
    except Throttled as throttled:
        raise ApiError(throttled.code, retry_after=throttled.retry_after) from None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(40101)
    access: Access | None = sandbox.identity.access(token.strip())
    if access is None:
        raise ApiError(40102)
    if not access.account.environment.subscription:
        raise ApiError(40304)
    accepted = accepted_scopes(read_scope)
    if not access.scopes & accepted:
        raise ApiError(40303, f"The token has none of the scopes this call needs: "
                              f"{', '.join(sorted(accepted))}.")
    sandbox.record_rest_call(access.account, request.url_rule.rule)
    return Caller(access.account, date.today())


def endpoint(rule: str, scope: str):
    """Register a GET endpoint guarded by ``scope`` (its write variant is accepted too)."""
    def register(view: Callable[..., Response]):
        @wraps(view)
        def guarded(**path: str) -> Response:
            return view(_admit(scope), **path)
        bp.add_url_rule(rule, view.__name__, guarded, methods=["GET"])
        return view
    return register


# --- parameters and paging ---------------------------------------------------------------

def _guid(name: str, value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ApiError(40033, invalid_params=[(name, "The parameter must be a GUID.")]) from None


def _number(name: str, default: int, low: int, high: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ApiError(40033, invalid_params=[(name, f"The parameter must be a number {bound}.")])
    return value


def _year(today: date) -> int:
    """``?year=``; the current year when absent (inferred)."""
    return _number("year", today.year, 1900, 2100)


def _link(page_number: int) -> str:
    args = request.args.to_dict()
    args["pageNumber"] = str(page_number)
    return f"{request.base_url}?{urlencode(args)}"


def page(sources: list, build: Callable[..., dict], *, paged: bool = True) -> Response:
    """Nmbrs' envelope around one page of ``sources`` (only that page is built)."""
    number = _number("pageNumber", 1, 1) if paged else 1
    size = _number("pageSize", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE) if paged \
        else DEFAULT_PAGE_SIZE
    total_pages = math.ceil(len(sources) / size)
    last = max(total_pages, 1)
    chosen = sources[(number - 1) * size:number * size]
    return jsonify({
        "pagination": {
            "pageNumber": number, "pageSize": size, "firstPage": _link(1),
            "lastPage": _link(last), "totalPages": total_pages, "totalRecords": len(sources),
            "nextPage": _link(number + 1) if number < total_pages else None,
            "previousPage": _link(min(number - 1, last)) if number > 1 else None},
        "data": [build(source) for source in chosen]})


# --- visibility: the login's filter first, then the id -----------------------------------

def _debtor(caller: Caller, debtor_id: str) -> Debtor:
    wanted = _guid("debtorId", debtor_id)
    visible = {entity_guid("Debtor", d.id): d for d in caller.account.debtors}
    if wanted in visible:
        return visible[wanted]
    if wanted in resources.guid_index(caller.account.environment).debtors:
        raise ApiError(40303)
    raise ApiError(40401, "The debtor does not exist.")


def _company(caller: Caller, company_id: str) -> Company:
    wanted = _guid("companyId", company_id)
    known = resources.guid_index(caller.account.environment).companies.get(wanted)
    if known is None:
        raise ApiError(40404)
    if known.id not in caller.account.companies:
        raise ApiError(40303)
    return known


# --- user, debtors, companies --------------------------------------------------------------

@endpoint("/user/info", "user.info.read")
def user_info(caller: Caller) -> Response:
    return page([caller.account], resources.user_info)


@endpoint("/debtors", "company.info.read")
def debtors(caller: Caller) -> Response:
    return page(caller.account.debtors, resources.debtor)


@endpoint("/debtors/info", "debtor.info.read")
def debtors_info(caller: Caller) -> Response:
    environment = caller.account.environment
    return page(caller.account.debtors, lambda d: resources.debtor_info(d, environment))


@endpoint("/debtors/<debtorId>/companies", "company.info.read")
def debtor_companies(caller: Caller, debtorId: str) -> Response:
    chosen = _debtor(caller, debtorId)
    return page([c for c in caller.account.companies.values() if c.debtor_id == chosen.id],
                resources.company)


@endpoint("/companies", "company.info.read")
def companies(caller: Caller) -> Response:
    if len(caller.account.debtors) > 1:
        raise ApiError(40306)
    return page(list(caller.account.companies.values()), resources.company)


@endpoint("/debtors/<debtorId>/departments", "employee.orgstructure.read")
def debtor_departments(caller: Caller, debtorId: str) -> Response:
    return page(_debtor(caller, debtorId).departments, resources.department)


@endpoint("/debtors/<debtorId>/functions", "employee.orgstructure.read")
def debtor_functions(caller: Caller, debtorId: str) -> Response:
    return page(_debtor(caller, debtorId).functions, resources.function)


# --- company payroll -------------------------------------------------------------------------

@endpoint("/companies/<companyId>/period", "company.info.read")
def company_period(caller: Caller, companyId: str) -> Response:
    chosen = _company(caller, companyId)
    return page([chosen], lambda c: resources.period(c, caller.today), paged=False)


@endpoint("/companies/<companyId>/runs", "company.payrollsettings.read")
def company_runs(caller: Caller, companyId: str) -> Response:
    chosen = _company(caller, companyId)
    return page(chosen.runs(_year(caller.today)), resources.run)


@endpoint("/companies/<companyId>/wagetaxes", "company.payrollsettings.read")
def company_wage_taxes(caller: Caller, companyId: str) -> Response:
    chosen = _company(caller, companyId)
    return page(wage_tax_declarations(chosen, _year(caller.today)), resources.wage_tax)


@endpoint("/companies/<companyId>/wagetaxes/<wageTaxId>/xml", "company.document.read")
def company_wage_tax_xml(caller: Caller, companyId: str, wageTaxId: str) -> Response:
    """Starts producing the declaration's XML; fetch it with ``GET /api/documents/{taskId}``."""
    chosen = _company(caller, companyId)
    record = resources.find_wage_tax(chosen, _guid("wageTaxId", wageTaxId), caller.today)
    if record is None:
        raise ApiError(40401, "The wage tax declaration does not exist.")
    task_id = _sandbox().start_task(caller.account.username,
                                    resources.wage_tax_document(chosen, record))
    return jsonify({"taskId": task_id})


@endpoint("/documents/<taskId>", "document.read")
def document(caller: Caller, taskId: str) -> Response:
    """202 while the document is produced (the first look, inferred), then its bytes."""
    task = _sandbox().look_at_task(caller.account.username, _guid("taskId", taskId))
    if task is None:
        raise ApiError(40401, "No document task with this id.")
    if task.looks == 1:
        response = jsonify({"taskId": taskId})
        response.status_code = 202
        return response
    return Response(task.content, content_type="application/octet-stream")


# --- employees -----------------------------------------------------------------------------

def _employees(caller: Caller, company_id: str):
    """The company's employees, narrowed by ``?employeeId=`` when given."""
    chosen = _company(caller, company_id)
    wanted = request.args.get("employeeId")
    if wanted is None:
        return chosen.employees
    found = resources.employees_by_guid(chosen).get(_guid("employeeId", wanted))
    return [found] if found else []


@endpoint("/companies/<companyId>/employees", "employee.info.read")
def company_employees(caller: Caller, companyId: str) -> Response:
    people = _employees(caller, companyId)
    kinds = request.args.get("employeeType")
    if kinds:
        wanted = {kind.strip() for kind in kinds.split(",") if kind.strip()}
        unknown = sorted(wanted - set(resources.EMPLOYEE_TYPES))
        if unknown:
            raise ApiError(40033, invalid_params=[
                ("employeeType", f"Unknown employee type {unknown[0]}; use "
                                 f"{', '.join(resources.EMPLOYEE_TYPES)}.")])
        people = [e for e in people if resources.employee_type(e, caller.today) in wanted]
    return page(people, lambda e: resources.employee(e, caller.today))


def _employee_read(read: resources.EmployeeRead) -> None:
    def view(caller: Caller, companyId: str) -> Response:
        return page(_employees(caller, companyId), lambda e: {
            "employeeId": entity_guid("Employee", e.id),
            read.payload_key: [read.build(e, caller.today)]})
    view.__name__ = f"employees_{read.path}"
    endpoint(f"/companies/<companyId>/employees/{read.path}", read.scope)(view)


for _read in resources.EMPLOYEE_READS:
    _employee_read(_read)
