"""Check a login against a permission profile: which operations may it call?

Nmbrs grants API rights per operation (fault 1002 when the login's template
lacks one), so the only reliable check is to call each operation with harmless
arguments. A validation run works in phases, each phase's calls side by side:

1. the domain (``Environment_Get``) unless the caller knows it;
2. debtors and companies (per debtor at once);
3. the probe company: the smallest of the first few companies, and one of its
   employees;
4. every operation of the profile; a probe needing a run, a wage-tax declaration
   or the current period looks it up first (once, shared by all probes).

Each distinct call goes out once per run (the lookups of phase 3 double as the
probes of the same operations). Nothing is written: a write is only probed
with ids that cannot exist, so Nmbrs stops at its rights check or its id check.
"""
from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date
from enum import Enum
from typing import Any

from wizard.nmbrs import contract
from wizard.nmbrs.client import NmbrsClient, nmbrs_client
from wizard.nmbrs.credentials import NmbrsCredentials
from wizard.nmbrs.entities import Company, Debtor, domain_from_environment, read_entities
from wizard.nmbrs.errors import FaultKind, NmbrsError
from wizard.nmbrs.profiles import Profile, ProfileOperation, load_profile

SAMPLE_COMPANIES = 5   # "smallest company" = smallest of this many; measuring all would cost more
ABSENT_ID = -1         # Nmbrs ids are positive: this one cannot exist
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
DEFAULT_EMPLOYEE_TYPE = 1


class OperationStatus(str, Enum):
    """The verdict on one operation for the client."""

    OK = "ok"
    NOT_ENABLED = "not_enabled"
    NO_ACCESS = "no_access"
    ERROR = "error"


@dataclass(frozen=True)
class OperationCheck:
    """The probe result of one profile operation."""

    service: str
    operation: str
    required: bool
    status: OperationStatus
    code: int | None
    kind: FaultKind | None
    ms: float
    purpose: dict[str, str]


@dataclass(frozen=True)
class ProbeReport:
    """Everything one validation run found out about a login."""

    authenticated: bool
    domain: str | None
    profile: str
    operations: list[OperationCheck]
    debtors: list[Debtor]
    companies: list[Company]
    failure: FaultKind | None

    @property
    def required_ok(self) -> bool:
        """Logged in, and every required operation may be called."""
        return self.authenticated and all(
            check.status is OperationStatus.OK for check in self.operations if check.required)

    @property
    def exit_code(self) -> int:
        """0 all required ok, 1 some required operation not ok, 2 no login or no Nmbrs."""
        if not self.authenticated:
            return 2
        return 0 if self.required_ok else 1

    def to_dict(self) -> dict:
        """The JSON document of ``flask nmbrs probe --json``."""
        return {
            "authenticated": self.authenticated,
            "domain": self.domain,
            "profile": self.profile,
            "failure": self.failure.value if self.failure else None,
            "operations": [{"service": c.service, "operation": c.operation,
                            "required": c.required, "status": c.status.value, "code": c.code,
                            "ms": c.ms} for c in self.operations],
            "debtors": [asdict(debtor) for debtor in self.debtors],
            "companies": [asdict(company) for company in self.companies],
        }


@dataclass(frozen=True)
class _Outcome:
    value: Any
    error: NmbrsError | None
    ms: float


class _Calls:
    """The calls of one validation run, each distinct call made at most once."""

    def __init__(self, client: NmbrsClient, credentials: NmbrsCredentials,
                 pool: ThreadPoolExecutor):
        self.client = client
        self.credentials = credentials
        self.pool = pool
        self._memo: dict[tuple, Future] = {}
        self._lock = threading.Lock()

    def outcome(self, service: str, operation: str, *, retry: bool = True, **args: Any) -> _Outcome:
        key = (service, operation, tuple(sorted(args.items())))
        with self._lock:
            future = self._memo.get(key)
            owner = future is None
            if owner:
                future = self._memo[key] = Future()
        if owner:  # computed inline by the first asker: waiting never needs a free worker
            started = time.perf_counter()
            try:
                value = self.client.call(self.credentials, service, operation, retry=retry, **args)
                error = None
            except NmbrsError as exc:
                value, error = None, exc
            except BaseException as exc:  # a bug, not a fault: let every waiter see it
                future.set_exception(exc)
                raise
            future.set_result(_Outcome(value, error, (time.perf_counter() - started) * 1000))
        return future.result()

    def value(self, service: str, operation: str, **args: Any) -> Any:
        outcome = self.outcome(service, operation, **args)
        if outcome.error:
            raise outcome.error
        return outcome.value

    def map(self, function, items) -> list:
        return list(self.pool.map(function, items))


class _ProbeContext:
    """The ids and values probe arguments are drawn from (phase 3)."""

    def __init__(self, calls: _Calls, profile: Profile, debtors: list[Debtor],
                 companies: list[Company]):
        self.calls = calls
        self.profile = profile
        self.debtors = debtors
        self.companies = companies
        self.today = date.today()
        self.values: dict[str, Any] = {"employee_type": DEFAULT_EMPLOYEE_TYPE}

    def prepare(self) -> None:
        needs = self.profile.sources()
        if "EmployeeService.EmployeeType_GetList" in {op.key for op in self.profile.operations}:
            types = self.calls.outcome("EmployeeService", "EmployeeType_GetList")
            if types.value:
                self.values["employee_type"] = int(types.value[0]["Id"])
        if needs & {"company", "employee", "debtor", "run", "wage_tax", "period"}:
            self._choose_company("employee" in needs)
        if "debtor" in needs:
            company = self.values.get("company")
            owner = next((c.debtor_id for c in self.companies if c.id == company), None)
            self.values["debtor"] = owner or (self.debtors[0].id if self.debtors else None)

    def _choose_company(self, need_employee: bool) -> None:
        candidates = self.companies[:SAMPLE_COMPANIES]
        if not candidates:
            return
        if len(candidates) == 1 and not need_employee:
            self.values["company"] = candidates[0].id
            return

        def employees(company: Company) -> tuple[Company, list | None]:
            outcome = self.calls.outcome("EmployeeService", "List_GetByCompany",
                                         CompanyId=company.id,
                                         EmployeeType=self.values["employee_type"])
            return company, outcome.value if outcome.error is None else None

        sized = [(company, rows) for company, rows in self.calls.map(employees, candidates)
                 if rows is not None]
        if not sized:
            self.values["company"] = candidates[0].id
            return
        staffed = [pair for pair in sized if pair[1]] or sized
        company, rows = min(staffed, key=lambda pair: len(pair[1]))
        self.values["company"] = company.id
        if rows:
            self.values["employee"] = int(rows[0]["Id"])

    # Looked up by the first probe that needs them, while the other probes already run.
    def _run(self) -> None:
        runs = self.calls.outcome("CompanyService", "Run_GetList",
                                  CompanyId=self.values["company"], Year=self.today.year)
        if runs.value:
            self.values["run"] = int(runs.value[-1]["ID"])

    def _wage_tax(self) -> None:
        declarations = self.calls.outcome("CompanyService", "WageTax_GetList",
                                          CompanyId=self.values["company"], intYear=self.today.year)
        if declarations.value:
            self.values["wage_tax"] = int(declarations.value[-1]["LoonaangifteID"])

    def _period(self) -> None:
        period = self.calls.outcome("CompanyService", "Company_GetCurrentPeriod",
                                    CompanyId=self.values["company"])
        # "2024-5-M" / "2024-4-4W": year, period number, period type
        parts = (period.value or "").split("-")
        if len(parts) >= 2 and parts[1].isdigit():
            self.values["period"] = int(parts[1])

    def source(self, name: str) -> tuple[Any, bool]:
        """(value, whether it names existing data); missing real ids fall back to absent ones."""
        fixed = {"year": self.today.year, "last_year": self.today.year - 1,
                 "empty_document": b"", "zero_guid": ZERO_GUID}
        if name in fixed:
            return fixed[name], True
        if name == "absent_employee":
            return ABSENT_ID, False
        if name == "absent_task":
            return str(uuid.uuid4()), False
        lazy = {"run": self._run, "wage_tax": self._wage_tax, "period": self._period}
        if name in lazy and name not in self.values and "company" in self.values:
            lazy[name]()  # idempotent: the call behind it is memoised
        if name == "period":
            return self.values.get("period", self.today.month), True
        value = self.values.get(name)
        return (value, True) if value is not None else (ABSENT_ID, False)

    def arguments(self, op: ProfileOperation) -> tuple[dict[str, Any], bool]:
        """The probe arguments of ``op`` and whether any of them is an absent id."""
        types = dict(contract.operation(op.service, op.operation).params)
        args, absent = {}, False
        for param, source in op.args:
            if source.startswith("="):
                args[param] = int(source[1:]) if types[param] == "int" else source[1:]
            else:
                args[param], real = self.source(source)
                absent = absent or not real
        return args, absent

    def check(self, op: ProfileOperation) -> OperationCheck:
        args, absent = self.arguments(op)
        outcome = self.calls.outcome(op.service, op.operation, retry=not op.starts_task, **args)
        status, kind = _verdict(outcome.error, absent)
        return OperationCheck(service=op.service, operation=op.operation, required=op.required,
                              status=status, code=outcome.error.code if outcome.error else None,
                              kind=kind, ms=round(outcome.ms, 1), purpose=op.purpose)


def _verdict(error: NmbrsError | None, absent: bool) -> tuple[OperationStatus, FaultKind | None]:
    if error is None:
        return OperationStatus.OK, None
    if error.kind is FaultKind.NOT_ENABLED:
        return OperationStatus.NOT_ENABLED, error.kind
    # With an id that cannot exist, a 2xxx (data) fault means Nmbrs got past its rights check.
    if absent and error.code is not None and error.code >= 2000:
        return OperationStatus.OK, None
    if error.kind is FaultKind.NO_ACCESS:
        return OperationStatus.NO_ACCESS, error.kind
    return OperationStatus.ERROR, error.kind


def probe_permissions(credentials: NmbrsCredentials, profile: Profile | str, *,
                      client: NmbrsClient | None = None, workers: int | None = None,
                      on_check=None) -> ProbeReport:
    """Check every operation of ``profile`` for this login; never raises for Nmbrs faults.

    ``on_check`` hears of each ``OperationCheck`` as soon as it is in (from worker threads).
    """
    profile = load_profile(profile) if isinstance(profile, str) else profile
    client = client or nmbrs_client()
    with ThreadPoolExecutor(max_workers=workers or client.workers,
                            thread_name_prefix="nmbrs-probe") as pool:
        calls = _Calls(client, credentials, pool)
        domain = credentials.domain
        try:
            if domain is None:
                environment = calls.outcome("DebtorService", "Environment_Get")
                if environment.error and environment.error.kind is not FaultKind.NOT_ENABLED:
                    raise environment.error
                domain = domain_from_environment(environment.value) if environment.value else None
                calls.credentials = credentials.with_domain(domain)
            if profile.find("EmployeeService", "EmployeeType_GetList"):
                # needs no ids: let it run while debtors and companies are read
                pool.submit(calls.outcome, "EmployeeService", "EmployeeType_GetList")
            debtors, companies = read_entities(calls.value, calls.map)
        except NmbrsError as error:
            return ProbeReport(authenticated=False, domain=domain, profile=profile.name,
                               operations=[], debtors=[], companies=[], failure=error.kind)
        context = _ProbeContext(calls, profile, debtors, companies)
        context.prepare()
        def reported(op: ProfileOperation) -> OperationCheck:
            found = context.check(op)
            if on_check is not None:
                on_check(found)
            return found

        checks = calls.map(reported, profile.operations)
    return ProbeReport(authenticated=True, domain=domain, profile=profile.name, operations=checks,
                       debtors=debtors, companies=companies, failure=None)
