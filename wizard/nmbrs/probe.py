"""Check a login against a permission profile: which operations may it call?

Nmbrs grants API rights per operation (fault 1002 when the login's template
lacks one), so the only reliable check is to call each operation with harmless
arguments. A validation run is a dependency graph (``wizard.nmbrs.run``), not a
row of phases: each call starts the moment its inputs exist, within the run's
budget of calls in flight, the calls others wait for first::

    Environment_Get ──► domain ──► every other call      (skipped when the caller knows it)
    CompanyService.List_GetAll ─┬─► probe company (the first known) ──► company-level probes;
    DebtorService.List_GetAll ──┤     its runs, declarations, period ──► probes needing those
      └► List_GetByDebtor, each ┘─► the report's companies (with their debtor)
    EmployeeType_GetList ──┬─► List_GetByCompany on the first 5 companies
    first 5 companies ─────┘     ├─► the smallest staffed one ──► company-wide reads
                                 └─► an employee (of the probe company if it has one)
                                       ──► per-employee probes (with its company's run)

Each distinct call goes out at most once per run (lookups double as the probes of
the same operations; an ``Environment_Get`` the caller just made is not repeated).
The run ends by its deadline: what was not checked by then "could not be checked".

Nothing is written: a write is only probed with ids that cannot exist, so Nmbrs
stops at its rights check or its id check. A ``_Background`` report (it starts
work at Nmbrs) is called once and never retried.

Verdicts: ``ok`` only when Nmbrs answered with a whole reply of the operation's
shape (``wizard.nmbrs.reply``), or refused an id that cannot exist after its
rights check (a 2xxx fault); ``not_enabled`` for 1002; ``no_access`` when a real
id is outside the login's filter; anything else (timeout, 5xx, HTML, cut off,
unreadable, too large) is ``error``: could not be checked, says nothing about
the right.
"""
from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from datetime import date
from enum import Enum
from typing import Any, Callable

from wizard.bounded_http import remaining
from wizard.nmbrs import contract
from wizard.nmbrs.client import NmbrsClient, nmbrs_client
from wizard.nmbrs.credentials import NmbrsCredentials
from wizard.nmbrs.entities import Company, Debtor, EntityReads, domain_from_environment
from wizard.nmbrs.errors import FaultKind, NmbrsError
from wizard.nmbrs.profiles import Profile, ProfileOperation, load_profile
from wizard.nmbrs.run import Calls, Outcome, Priority, done, then, when

SAMPLE_COMPANIES = 5   # "smallest company" = smallest of this many; measuring all would cost more
ABSENT_ID = -1         # Nmbrs ids are positive: this one cannot exist
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
DEFAULT_EMPLOYEE_TYPE = 1
#: Seconds a run waits past its deadline for the calls the deadline is cutting off to settle.
GRACE = 0.5
ENVIRONMENT = ("DebtorService", "Environment_Get")


@dataclass(frozen=True)
class KnownEnvironment:
    """An ``Environment_Get`` the caller made moments ago (the login check): its domain and how
    long it took. The run takes it as the check of that operation instead of repeating it."""

    domain: str
    ms: float = 0.0


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


def _first_id(rows: Any, field: str, last: bool = False) -> int | None:
    """The id of the first (or last) row of a list reply; None when there is none to use."""
    try:
        return int(rows[-1 if last else 0][field]) if rows else None
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def _period_number(value: Any) -> int | None:
    # "2024-5-M" / "2024-4-4W": year, period number, period type
    parts = value.split("-") if isinstance(value, str) else []
    return int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else None


class _ProbeRun:
    """The probe graph of one run: the ids and values probe arguments come from, as futures."""

    def __init__(self, calls: Calls, profile: Profile):
        self.calls = calls
        self.profile = profile
        self.today = date.today()
        self._lookups: dict[tuple[str, int], Future] = {}
        self._lock = threading.Lock()
        sources = profile.sources()
        self.entities = EntityReads(calls)
        self.employee_type = (
            then(calls.outcome("EmployeeService", "EmployeeType_GetList", priority=Priority.CHAIN),
                 lambda outcome: _first_id(outcome.value, "Id") or DEFAULT_EMPLOYEE_TYPE)
            if profile.find("EmployeeService", "EmployeeType_GetList")
            else done(DEFAULT_EMPLOYEE_TYPE))
        sample = self.entities.first(SAMPLE_COMPANIES)
        self.company = then(sample, lambda companies: companies[0].id if companies else None)
        needs_staff = bool(sources & {"small_company", "employee"})
        # Looked up as soon as the probe company is known, ahead of the probes that need them.
        for source in sources & set(self._LOOKUPS):
            self.company.add_done_callback(lambda future, name=source: self._lookup(
                name, future.result()) if future.exception() is None else None)
        self.staff = then(sample, lambda companies: {
            company.id: self._staff(company.id) for company in companies} if needs_staff else {})
        self.small_company = then(self.staff, self._smallest)
        self.employee = when([self.company, self.staff], self._employee)
        self.debtor = then(self.entities.debtors, lambda debtors: debtors[0].id if debtors else None)

    # --- employees and the smallest company ----------------------------------------------------

    def _staff(self, company: int) -> Future:
        """``List_GetByCompany`` of one company (the future ``Outcome``)."""
        return then(self.employee_type, lambda kind: self.calls.outcome(
            "EmployeeService", "List_GetByCompany", CompanyId=company, EmployeeType=kind,
            priority=Priority.CHAIN))

    def _smallest(self, staff: dict[int, Future]) -> Future:
        companies = list(staff)

        def choose(*outcomes: Outcome) -> int | None:
            readable = [(company, outcome.value or []) for company, outcome
                        in zip(companies, outcomes) if outcome.error is None]
            staffed = [pair for pair in readable if pair[1]] or readable
            if not staffed:
                return companies[0] if companies else None
            return min(staffed, key=lambda pair: len(pair[1]))[0]

        return when([staff[company] for company in companies], choose)

    def _employee(self, company: int | None, staff: dict[int, Future]) -> Future | tuple:
        """(an employee id or None, the company it works at): of the probe company if it has
        one, else of the smallest staffed company."""
        if company is None or company not in staff:
            return None, company

        def of_probe_company(outcome: Outcome) -> Future | tuple:
            employee = _first_id(outcome.value, "Id")
            if employee is not None:
                return employee, company
            return then(self.small_company, lambda small: then(
                staff[small], lambda other: (_first_id(other.value, "Id"), small)
                if _first_id(other.value, "Id") is not None else (None, company))
                if small in staff and small != company else (None, company))

        return then(staff[company], of_probe_company)

    # --- runs, declarations and periods of a company -------------------------------------------

    def _run_of(self, company: int) -> Future:
        return then(self.calls.outcome("CompanyService", "Run_GetList", CompanyId=company,
                                       Year=self.today.year, priority=Priority.LOOKUP),
                    lambda outcome: _first_id(outcome.value, "ID", last=True))

    def _wage_tax_of(self, company: int) -> Future:
        return then(self.calls.outcome("CompanyService", "WageTax_GetList", CompanyId=company,
                                       intYear=self.today.year, priority=Priority.LOOKUP),
                    lambda outcome: _first_id(outcome.value, "LoonaangifteID", last=True))

    def _period_of(self, company: int) -> Future:
        return then(self.calls.outcome("CompanyService", "Company_GetCurrentPeriod",
                                       CompanyId=company, priority=Priority.LOOKUP),
                    lambda outcome: _period_number(outcome.value))

    _LOOKUPS = {"run": _run_of, "wage_tax": _wage_tax_of, "period": _period_of}

    def _lookup(self, name: str, company: int | None) -> Future:
        if company is None:
            return done(None)
        with self._lock:
            future = self._lookups.get((name, company))
            if future is None:
                future = self._lookups[(name, company)] = self._LOOKUPS[name](self, company)
        return future

    # --- the checks ----------------------------------------------------------------------------

    def check(self, op: ProfileOperation) -> Future:
        """The future ``OperationCheck`` of one profile operation."""
        sources = {source for _, source in op.args if not source.startswith("=")}
        # A probe about an employee is made in that employee's company (its run, its period).
        if "employee" in sources:
            context = self.employee
        elif sources & {"company", *self._LOOKUPS}:
            context = then(self.company, lambda company: (None, company))
        else:
            context = done((None, None))
        inputs = {"small_company": self.small_company, "debtor": self.debtor,
                  "employee_type": self.employee_type}
        names = sorted(sources & set(inputs))
        arguments = when([context, *(inputs[name] for name in names)],
                         lambda ctx, *found: self._arguments(op, sources, *ctx,
                                                             dict(zip(names, found))))
        return then(arguments, lambda pair: then(
            self.calls.outcome(op.service, op.operation, retry=not op.starts_task, **pair[0]),
            lambda outcome: _check(op, outcome, absent=pair[1])))

    def _arguments(self, op: ProfileOperation, sources: set[str], employee: int | None,
                   company: int | None, known: dict[str, Any]) -> Future:
        names = sorted(sources & set(self._LOOKUPS))
        return when([self._lookup(name, company) for name in names], lambda *found: self._values(
            op, {"employee": employee, "company": company, **known, **dict(zip(names, found))}))

    def _values(self, op: ProfileOperation, known: dict[str, Any]) -> tuple[dict, bool]:
        """The probe arguments of ``op`` and whether any of them is an id that cannot exist."""
        types = dict(contract.operation(op.service, op.operation).params)
        fixed = {"year": self.today.year, "last_year": self.today.year - 1,
                 "empty_document": b"", "zero_guid": ZERO_GUID}
        args, absent = {}, False
        for param, source in op.args:
            if source.startswith("="):
                args[param] = int(source[1:]) if types[param] == "int" else source[1:]
            elif source in fixed:
                args[param] = fixed[source]
            elif source == "period":
                args[param] = known.get("period") or self.today.month
            elif source == "absent_task":
                args[param], absent = str(uuid.uuid4()), True
            elif source == "absent_employee" or known.get(source) is None:
                args[param], absent = ABSENT_ID, True
            else:
                args[param] = known[source]
        return args, absent


def _check(op: ProfileOperation, outcome: Outcome, *, absent: bool) -> OperationCheck:
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


def _not_checked(op: ProfileOperation) -> OperationCheck:
    """A probe the run's deadline left no time for."""
    return OperationCheck(service=op.service, operation=op.operation, required=op.required,
                          status=OperationStatus.ERROR, code=None, kind=FaultKind.TIMEOUT, ms=0.0,
                          purpose=op.purpose)


def probe_permissions(credentials: NmbrsCredentials, profile: Profile | str, *,
                      client: NmbrsClient | None = None, workers: int | None = None,
                      deadline: float | None = None,
                      environment: KnownEnvironment | None = None,
                      on_check: Callable[[OperationCheck], None] | None = None) -> ProbeReport:
    """Check every operation of ``profile`` for this login; never raises for Nmbrs faults.

    ``workers`` is the run's budget of calls in flight (default ``client.workers``);
    ``deadline`` (a ``time.monotonic()`` value, default ``client.run_deadline`` seconds from
    now) ends the run, probes not done by then are ``error``/``timeout``. ``environment`` is
    an ``Environment_Get`` the caller just made (the login check), so it is not repeated.
    ``on_check`` hears of each ``OperationCheck`` as soon as it is in (from worker threads).
    """
    profile = load_profile(profile) if isinstance(profile, str) else profile
    client = client or nmbrs_client()
    deadline = time.monotonic() + client.run_deadline if deadline is None else deadline
    calls = Calls(client, credentials, budget=workers or client.workers, deadline=deadline)
    domain = credentials.domain
    try:
        domain = _domain(calls, credentials, environment)
        return _probe(calls, profile, domain, on_check)
    except NmbrsError as error:
        calls.stop(error)
        return ProbeReport(authenticated=False, domain=domain, profile=profile.name,
                           operations=[], debtors=[], companies=[], failure=error.kind)
    finally:
        calls.close()


def _domain(calls: Calls, credentials: NmbrsCredentials,
            environment: KnownEnvironment | None) -> str | None:
    """The domain to call with: given, known from the caller, or asked (``Environment_Get``)."""
    if environment is not None:
        calls.known(Outcome({"Domain": None, "SubDomain": environment.domain}, None,
                            environment.ms), *ENVIRONMENT)
        domain = credentials.domain or environment.domain
    elif credentials.domain is not None:
        domain = credentials.domain
    else:
        asked = calls.outcome(*ENVIRONMENT, priority=Priority.CHAIN)
        try:
            outcome = asked.result(timeout=max(0.0, remaining(calls.deadline)) + GRACE)
        except TimeoutError:
            raise NmbrsError(FaultKind.TIMEOUT, "Environment_Get did not finish in time",
                             operation="DebtorService.Environment_Get") from None
        if outcome.error is not None and outcome.error.kind is not FaultKind.NOT_ENABLED:
            raise outcome.error
        domain = domain_from_environment(outcome.value) if outcome.value else None
    calls.credentials = credentials.with_domain(domain)
    return domain


def _probe(calls: Calls, profile: Profile, domain: str | None,
           on_check: Callable[[OperationCheck], None] | None = None) -> ProbeReport:
    run = _ProbeRun(calls, profile)
    checks = [run.check(op) for op in profile.operations]
    if on_check is not None:
        for check in checks:
            check.add_done_callback(
                lambda done: on_check(done.result()) if done.exception() is None else None)
    companies = run.entities.companies
    over = threading.Event()
    when([companies, *checks], lambda *_: None).add_done_callback(lambda _: over.set())
    companies.add_done_callback(lambda future: over.set() if future.exception() else None)
    if not over.wait(max(0.0, remaining(calls.deadline))):
        # Calls still waiting are not made now; those in flight are being cut off.
        calls.stop(NmbrsError(FaultKind.TIMEOUT, "the validation run's deadline passed"))
        over.wait(GRACE)
    if not companies.done():
        raise NmbrsError(FaultKind.TIMEOUT, "the debtors and companies were not read in time")
    if companies.exception() is not None:
        raise companies.exception()
    operations = [check.result() if check.done() else _not_checked(op)
                  for op, check in zip(profile.operations, checks)]
    return ProbeReport(authenticated=True, domain=domain, profile=profile.name,
                       operations=operations, debtors=run.entities.debtors.result(),
                       companies=companies.result(), failure=None)
