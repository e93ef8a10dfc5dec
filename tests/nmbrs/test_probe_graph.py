"""The probe as a dependency graph: what starts when, within the budget and the deadline.

An instrumented client wraps the real one (against the sandbox), adds a delay per
operation and records when each call started and ended, with its arguments.
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass

import pytest

from tests.support.hostile_nmbrs import HostileNmbrs
from wizard.bounded_http import remaining
from wizard.nmbrs import FaultKind, NmbrsClient, NmbrsError, OperationStatus, probe_permissions
from wizard.nmbrs.probe import KnownEnvironment

HEAVY = "_GetAll_AllEmployeesByCompany"


@dataclass
class Made:
    service: str
    operation: str
    args: dict
    started: float
    ended: float


class Instrumented:
    """The real client with a delay per operation (``slow``), recording every call."""

    def __init__(self, client: NmbrsClient, delay: float = 0.05, workers: int = 16,
                 run_deadline: float = 20.0):
        self.client = client
        self.delay = delay
        self.slow: dict[tuple[str, str], float] = {}   # (operation, args key) or (operation, "")
        self.workers = workers
        self.run_deadline = run_deadline
        self.made: list[Made] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()
        self._started = time.monotonic()

    def call(self, credentials, service, operation, *, retry=True, deadline=None, **args):
        started = time.monotonic() - self._started
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            key = ",".join(str(value) for value in args.values())
            pause = self.slow.get((operation, key), self.slow.get((operation, ""), self.delay))
            if deadline is not None and remaining(deadline) < pause:
                time.sleep(max(0.0, remaining(deadline)))
                raise NmbrsError(FaultKind.TIMEOUT, "cut off by the deadline", operation=operation)
            time.sleep(pause)
            return self.client.call(credentials, service, operation, retry=retry,
                                    deadline=deadline, **args)
        finally:
            with self._lock:
                self.in_flight -= 1
                self.made.append(Made(service, operation, args, started, time.monotonic() - self._started))

    def calls_to(self, operation: str) -> list[Made]:
        return [made for made in self.made if made.operation == operation]


@pytest.fixture
def instrumented(nmbrs):
    return Instrumented(nmbrs)


def test_each_distinct_call_is_made_once(instrumented, nmbrs_sandbox):
    for profile in ("payroll", "reviews", "employee-app"):
        instrumented.made.clear()
        report = probe_permissions(nmbrs_sandbox.login("full"), profile, client=instrumented)
        assert report.exit_code == 0
        made = Counter((m.service, m.operation, tuple(sorted(m.args.items())))
                       for m in instrumented.made)
        assert [call for call, times in made.items() if times > 1] == []


def test_company_probes_do_not_wait_for_the_smallest_company(instrumented, nmbrs_sandbox):
    # The third sample company answers its size slowly: the smallest is known late.
    instrumented.slow[("List_GetByCompany", "100103,1")] = 0.6
    probe_permissions(nmbrs_sandbox.login("full"), "payroll", client=instrumented)
    size_known = instrumented.calls_to("List_GetByCompany")[-1].ended
    for cheap in ("Company_GetCurrentPeriod", "Address_GetCurrent", "ContactPerson_Get",
                  "Run_GetList", "WageTax_GetList", "WageTax_GetXML", "Schedule_Get"):
        assert instrumented.calls_to(cheap)[0].ended < size_known, cheap
    heavy = [made for made in instrumented.made if HEAVY in made.operation]
    assert heavy and all(made.started >= size_known for made in heavy)
    assert {made.args["CompanyID"] for made in heavy} == {100102}   # the smallest: 3 employees


def test_companies_per_debtor_are_read_while_the_probes_run(nmbrs, nmbrs_sandbox):
    instrumented = Instrumented(nmbrs, delay=0.02)
    instrumented.slow[("List_GetByDebtor", "")] = 0.4    # every debtor but the first...
    instrumented.slow[("List_GetByDebtor", "2001")] = 0.02
    report = probe_permissions(nmbrs_sandbox.login("accountant"), "payroll", client=instrumented)
    assert report.exit_code == 0 and len(report.companies) == 1040
    last_debtor = max(made.ended for made in instrumented.calls_to("List_GetByDebtor"))
    probes = [made for made in instrumented.made if HEAVY in made.operation]
    assert probes and all(made.ended < last_debtor for made in probes)


def test_the_budget_caps_calls_in_flight_and_is_used(nmbrs, nmbrs_sandbox):
    for budget in (1, 4, 12):
        instrumented = Instrumented(nmbrs, delay=0.05)
        report = probe_permissions(nmbrs_sandbox.login("accountant"), "payroll",
                                   client=instrumented, workers=budget)
        assert report.exit_code == 0
        assert instrumented.most_in_flight == budget


def test_calls_others_wait_for_go_first(nmbrs, nmbrs_sandbox):
    # Budget 2: the 39 per-debtor reads only the report needs must not hold up the sizes.
    instrumented = Instrumented(nmbrs, delay=0.03)
    probe_permissions(nmbrs_sandbox.login("accountant"), "payroll", client=instrumented,
                      workers=2)
    sizes = [m for m in instrumented.calls_to("List_GetByCompany") if m.args["EmployeeType"] == 1]
    assert len(sizes) == 5   # the first five companies, the profile's own probe among them
    sizes_done = max(m.ended for m in sizes)
    late_debtors = [m for m in instrumented.calls_to("List_GetByDebtor") if m.started > sizes_done]
    assert len(late_debtors) > 30


def test_a_known_environment_is_not_asked_again(instrumented, nmbrs_sandbox):
    credentials = nmbrs_sandbox.login("full")
    report = probe_permissions(credentials, "payroll", client=instrumented,
                               environment=KnownEnvironment("bakkerijvandenberg", ms=123.4))
    assert instrumented.calls_to("Environment_Get") == []
    check = report.operations[0]
    assert (check.operation, check.status, check.ms) == ("Environment_Get", OperationStatus.OK,
                                                         123.4)
    assert report.domain == "bakkerijvandenberg" and report.exit_code == 0


def test_without_a_domain_everything_waits_for_environment_get(instrumented, nmbrs_sandbox):
    report = probe_permissions(nmbrs_sandbox.login("full"), "payroll", client=instrumented)
    first, *rest = sorted(instrumented.made, key=lambda made: made.started)
    assert first.operation == "Environment_Get" and all(m.started >= first.ended for m in rest)
    assert len(instrumented.calls_to("Environment_Get")) == 1 and report.exit_code == 0


class TestRunDeadline:
    def test_checks_not_done_by_the_deadline_could_not_be_checked(self, nmbrs, nmbrs_sandbox):
        instrumented = Instrumented(nmbrs, delay=0.01)
        instrumented.slow[("SVW_GetList", "")] = 5.0
        instrumented.slow[("Schedule_Get", "")] = 5.0
        started = time.monotonic()
        report = probe_permissions(nmbrs_sandbox.login("full"), "payroll", client=instrumented,
                                   deadline=time.monotonic() + 1.0)
        assert time.monotonic() - started < 1.8
        assert report.authenticated
        late = {c.operation: (c.status, c.kind) for c in report.operations
                if c.status is not OperationStatus.OK}
        assert late == {"SVW_GetList": (OperationStatus.ERROR, FaultKind.TIMEOUT),
                        "Schedule_Get": (OperationStatus.ERROR, FaultKind.TIMEOUT)}

    def test_calls_waiting_for_a_slot_at_the_deadline_are_not_made(self, nmbrs, nmbrs_sandbox):
        instrumented = Instrumented(nmbrs, delay=0.3)
        report = probe_permissions(nmbrs_sandbox.login("full"), "payroll", client=instrumented,
                                   workers=1, deadline=time.monotonic() + 1.0)
        assert not report.authenticated and report.failure is FaultKind.TIMEOUT
        assert len(instrumented.made) <= 5

    def test_the_default_deadline_comes_from_the_client(self, nmbrs, nmbrs_sandbox):
        instrumented = Instrumented(nmbrs, delay=0.01, run_deadline=0.6)
        instrumented.slow[("Salary_GetAll_AllEmployeesByCompany", "")] = 5.0
        started = time.monotonic()
        report = probe_permissions(nmbrs_sandbox.login("full"), "payroll", client=instrumented)
        assert time.monotonic() - started < 1.4
        salary = next(c for c in report.operations if c.operation.startswith("Salary_"))
        assert (salary.status, salary.kind) == (OperationStatus.ERROR, FaultKind.TIMEOUT)
        assert not report.required_ok and report.exit_code == 1

    def test_retries_end_with_the_run(self, fresh_sandbox):
        # Every first attempt fails (HTTP 500); the pause before a retry would pass the deadline.
        client = NmbrsClient(fresh_sandbox.soap_url, timeout=5, retries=3, backoff=2.0)
        started = time.monotonic()
        report = probe_permissions(fresh_sandbox.login("flaky"), "payroll", client=client,
                                   deadline=time.monotonic() + 1.0)
        client.close()
        assert time.monotonic() - started < 1.6
        assert not report.authenticated and report.failure is FaultKind.UNREACHABLE


class TestHostileNmbrs:
    """What a client would see as 22 of 22 rights in order, if broken replies counted."""

    @pytest.fixture
    def hostile(self):
        server = HostileNmbrs()
        yield server
        server.close()

    def probe(self, server, profile="payroll"):
        return probe_permissions(server.login("full"), profile,
                                 client=NmbrsClient(server.soap_url, timeout=3, backoff=0.01))

    @pytest.mark.parametrize("mode, kind", [
        ("truncated", FaultKind.TRUNCATED), ("broken_off", FaultKind.TRUNCATED),
        ("wrong_shape", FaultKind.MALFORMED_RESPONSE), ("html", FaultKind.MALFORMED_RESPONSE),
        ("html_500", FaultKind.UNREACHABLE),
    ])
    def test_broken_replies_to_every_probe_could_not_be_checked(self, hostile, mode, kind):
        listing = {("DebtorService", "Environment_Get"), ("DebtorService", "List_GetAll"),
                   ("CompanyService", "List_GetByDebtor")}
        hostile.default = mode
        hostile.modes = {call: "pass" for call in listing}
        report = self.probe(hostile)
        assert report.authenticated and not report.required_ok and report.exit_code == 1
        broken = [c for c in report.operations if (c.service, c.operation) not in listing]
        assert broken and {(c.status, c.kind) for c in broken} == {(OperationStatus.ERROR, kind)}

    @pytest.mark.parametrize("mode, kind", [
        ("truncated", FaultKind.TRUNCATED), ("wrong_shape", FaultKind.MALFORMED_RESPONSE),
        ("html", FaultKind.MALFORMED_RESPONSE),
    ])
    def test_a_broken_login_check_is_a_failed_run_not_a_verdict(self, hostile, mode, kind):
        hostile.default = mode
        report = self.probe(hostile)
        assert not report.authenticated and report.failure is kind and report.operations == []

    def test_unusable_ids_in_a_list_end_the_run_as_unreadable(self, hostile):
        hostile.modes = {("DebtorService", "List_GetAll"): "canary_in_ids"}
        report = self.probe(hostile, "reviews")
        assert not report.authenticated and report.failure is FaultKind.MALFORMED_RESPONSE

    def test_one_truncated_probe_is_one_unchecked_right(self, hostile):
        hostile.modes = {("EmployeeService", "Salary_GetAll_AllEmployeesByCompany"): "truncated"}
        report = self.probe(hostile)
        failed = {c.operation: (c.status, c.kind) for c in report.operations
                  if c.status is not OperationStatus.OK}
        assert failed == {"Salary_GetAll_AllEmployeesByCompany":
                          (OperationStatus.ERROR, FaultKind.TRUNCATED)}
        assert not report.required_ok
