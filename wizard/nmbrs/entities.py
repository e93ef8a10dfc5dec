"""Who the login is and what it can see: its domain, debtors and companies."""
from __future__ import annotations

import math
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit

from wizard.nmbrs.client import NmbrsClient, nmbrs_client
from wizard.nmbrs.credentials import NmbrsCredentials
from wizard.nmbrs.errors import FaultKind, NmbrsError
from wizard.nmbrs.run import Calls, Outcome, Priority, then, when


@dataclass(frozen=True)
class Debtor:
    """A debtor (an administration office's client, or the business itself)."""

    id: int
    number: int | None
    name: str


@dataclass(frozen=True)
class Company:
    """A payroll company; ``debtor_id`` is None when the login may not list per debtor."""

    id: int
    number: int | None
    name: str
    debtor_id: int | None


def domain_from_environment(environment: dict | None) -> str:
    """The subdomain for ``AuthHeaderWithDomain`` from an ``Environment_Get`` result."""
    environment = environment or {}
    subdomain = (environment.get("SubDomain") or "").strip()
    if not subdomain and environment.get("Domain"):
        domain = environment["Domain"].strip()
        host = urlsplit(domain).hostname if "//" in domain else domain
        subdomain = (host or "").split(".")[0]
    if not subdomain:
        raise NmbrsError(FaultKind.MALFORMED_RESPONSE, "Environment_Get returned no domain",
                         operation="DebtorService.Environment_Get")
    return subdomain


def discover_domain(credentials: NmbrsCredentials, *, client: NmbrsClient | None = None) -> str:
    """Ask Nmbrs which environment the login belongs to (``DebtorService.Environment_Get``)."""
    client = client or nmbrs_client()
    return domain_from_environment(client.call(credentials, "DebtorService", "Environment_Get"))


def _number(value: Any) -> int | None:
    text = str(value).strip() if value is not None else ""
    return int(text) if text.lstrip("-").isdigit() else None


def rows_of(outcome: Outcome, parse: Callable[[dict], Any]) -> list:
    """``parse`` applied to every row of a list reply; ``NmbrsError`` when the call failed or a
    row lacks what we need (an id that is no number makes the reply unreadable, it is no bug)."""
    if outcome.error is not None:
        raise outcome.error
    try:
        return [parse(row) for row in outcome.value or []]
    except (KeyError, TypeError, ValueError):
        raise NmbrsError(FaultKind.MALFORMED_RESPONSE, "Nmbrs listed entries without a usable "
                         "id") from None


def _debtor(row: dict) -> Debtor:
    return Debtor(int(row["Id"]), _number(row.get("Number")), row.get("Name") or "")


def _company(row: dict, debtor_id: int | None) -> Company:
    return Company(int(row["ID"]), _number(row.get("Number")), row.get("Name") or "", debtor_id)


def _unique(companies: list[Company]) -> list[Company]:
    return list({company.id: company for company in companies}.values())


def _unless_not_enabled(outcome: Outcome, parse: Callable[[dict], Any]) -> list:
    """The rows, or none when the login may not make this call (1002)."""
    try:
        return rows_of(outcome, parse)
    except NmbrsError as error:
        if error.kind is not FaultKind.NOT_ENABLED:
            raise
        return []


def _quietly(read: Callable[[], Any]) -> Any:
    """``read()``, or None when it raises ``NmbrsError`` (anything else is a bug: raised)."""
    try:
        return read()
    except NmbrsError:
        return None


class EntityReads:
    """The debtors and companies of one run, each read the moment it can be.

    ``CompanyService.List_GetAll`` (every company in one call, without its debtor) and
    ``DebtorService.List_GetAll`` start at once; each debtor's ``List_GetByDebtor`` starts
    as soon as the debtors are known. ``first(n)`` has the first companies as soon as the
    listing or the first debtors' reads do. ``companies`` settles when all is read: per
    debtor (with ``debtor_id``), else from the listing (without); a list the login may not
    read is empty, a debtor outside its filter has none; any other failure ends the run
    (``debtors`` and ``companies`` then raise the ``NmbrsError``).
    """

    def __init__(self, calls: Calls):
        self.calls = calls
        self.listing = calls.outcome("CompanyService", "List_GetAll", priority=Priority.CHAIN)
        self.debtors = then(calls.outcome("DebtorService", "List_GetAll", priority=Priority.CHAIN),
                            lambda outcome: _unless_not_enabled(outcome, _debtor))
        self._reads = then(self.debtors, self._read_each)
        self.companies = then(self._reads, self._all_companies)

    def _read_each(self, debtors: list[Debtor]) -> list[tuple[Debtor, Future]]:
        # The first debtor's companies may be the first ones known; the rest only fill the list.
        return [(debtor, self.calls.outcome(
            "CompanyService", "List_GetByDebtor", DebtorId=debtor.id,
            priority=Priority.CHAIN if position == 0 else Priority.LEAF))
            for position, debtor in enumerate(debtors)]

    def _all_companies(self, reads: list[tuple[Debtor, Future]]) -> Future:
        if not reads:
            return then(self.listing, self._listed)
        return when([future for _, future in reads],
                    lambda *outcomes: self._per_debtor([debtor for debtor, _ in reads], outcomes))

    def _per_debtor(self, debtors: list[Debtor], outcomes) -> list[Company] | Future:
        companies = []
        for debtor, outcome in zip(debtors, outcomes):
            try:
                companies += self._of_debtor(debtor, outcome)
            except NmbrsError as error:
                if error.kind is not FaultKind.NOT_ENABLED:
                    raise
                return then(self.listing, self._listed)
        return _unique(companies)

    @staticmethod
    def _of_debtor(debtor: Debtor, outcome: Outcome) -> list[Company]:
        if outcome.error is not None and outcome.error.kind is FaultKind.NO_ACCESS:
            return []
        return rows_of(outcome, lambda row: _company(row, debtor.id))

    @staticmethod
    def _listed(outcome: Outcome) -> list[Company]:
        return _unique(_unless_not_enabled(outcome, lambda row: _company(row, None)))

    def first(self, count: int) -> Future:
        """The first ``count`` companies (fewer if there are not so many), as soon as known:
        from the listing or from the first debtors, whichever has them first (in their own
        order). Never fails for Nmbrs faults: what cannot be read counts as no companies."""
        result: Future = Future()
        lock = threading.Lock()
        waiting = [2]

        def offer(companies: list[Company] | None) -> None:
            with lock:
                waiting[0] -= 1
                if result.done() or (not companies and waiting[0]):
                    return
                result.set_result((companies or [])[:count])

        def from_listing(future: Future) -> None:
            offer(_quietly(lambda: self._listed(future.result())))

        def from_debtors(future: Future) -> None:
            reads = _quietly(future.result) or []
            _prefix(reads, count, self._of_debtor).add_done_callback(
                lambda prefix: offer(_quietly(prefix.result)))

        self.listing.add_done_callback(from_listing)
        self._reads.add_done_callback(from_debtors)
        return result


def _prefix(reads: list[tuple[Debtor, Future]], count: int, parse) -> Future:
    """The first ``count`` companies in debtor order, without waiting for later debtors."""
    result: Future = Future()
    found: list[Company] = []

    def step(position: int) -> None:
        if len(found) >= count or position == len(reads):
            result.set_result(found[:count])
            return
        debtor, future = reads[position]

        def read(done: Future) -> None:
            try:
                found.extend(_quietly(lambda: parse(debtor, done.result())) or [])
            except BaseException as exc:  # noqa: BLE001 - a bug: whoever waits sees it
                result.set_exception(exc)
                return
            step(position + 1)

        future.add_done_callback(read)

    step(0)
    return result


def list_entities(credentials: NmbrsCredentials, *, client: NmbrsClient | None = None,
                  deadline: float | None = None) -> tuple[list[Debtor], list[Company]]:
    """Re-read the debtors and companies the login can see (for "check again").

    Raises ``NmbrsError`` when they cannot be read (credentials, subscription, transport).
    """
    client = client or nmbrs_client()
    if credentials.domain is None:
        try:
            credentials = credentials.with_domain(discover_domain(credentials, client=client))
        except NmbrsError as error:
            if error.kind is not FaultKind.NOT_ENABLED:
                raise
    calls = Calls(client, credentials, budget=client.workers,
                  deadline=math.inf if deadline is None else deadline)
    try:
        reads = EntityReads(calls)
        return reads.debtors.result(), reads.companies.result()
    finally:
        calls.close()
