"""Who the login is and what it can see: its domain, debtors and companies."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit

from wizard.nmbrs.client import NmbrsClient, nmbrs_client
from wizard.nmbrs.credentials import NmbrsCredentials
from wizard.nmbrs.errors import FaultKind, NmbrsError


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


Call = Callable[..., Any]
Map = Callable[[Callable, Iterable], Iterable]


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


def read_entities(call: Call, map_: Map) -> tuple[list[Debtor], list[Company]]:
    """Debtors, then companies per debtor (``map_`` runs those calls side by side).

    Falls back to ``CompanyService.List_GetAll`` (no debtor link) when the login may
    not list debtors or companies per debtor; a list the login may not read is empty.
    Raises ``NmbrsError`` for anything else (credentials, subscription, transport).
    """
    try:
        debtors = [Debtor(int(d["Id"]), _number(d.get("Number")), d.get("Name") or "")
                   for d in call("DebtorService", "List_GetAll")]
    except NmbrsError as error:
        if error.kind is not FaultKind.NOT_ENABLED:
            raise
        debtors = []

    def by_debtor(debtor: Debtor) -> list[Company]:
        try:
            rows = call("CompanyService", "List_GetByDebtor", DebtorId=debtor.id)
        except NmbrsError as error:
            if error.kind is FaultKind.NO_ACCESS:
                return []
            raise
        return [_company(row, debtor.id) for row in rows]

    if debtors:
        try:
            companies = [company for group in map_(by_debtor, debtors) for company in group]
            return debtors, _unique(companies)
        except NmbrsError as error:
            if error.kind is not FaultKind.NOT_ENABLED:
                raise
    try:
        companies = [_company(row, None) for row in call("CompanyService", "List_GetAll")]
    except NmbrsError as error:
        if error.kind is not FaultKind.NOT_ENABLED:
            raise
        companies = []
    return debtors, _unique(companies)


def _company(row: dict, debtor_id: int | None) -> Company:
    return Company(int(row["ID"]), _number(row.get("Number")), row.get("Name") or "", debtor_id)


def _unique(companies: list[Company]) -> list[Company]:
    return list({company.id: company for company in companies}.values())


def list_entities(credentials: NmbrsCredentials, *, client: NmbrsClient | None = None
                  ) -> tuple[list[Debtor], list[Company]]:
    """Re-read the debtors and companies the login can see (for "check again")."""
    client = client or nmbrs_client()
    if credentials.domain is None:
        try:
            credentials = credentials.with_domain(discover_domain(credentials, client=client))
        except NmbrsError as error:
            if error.kind is not FaultKind.NOT_ENABLED:
                raise

    def call(service: str, operation: str, **args: Any) -> Any:
        return client.call(credentials, service, operation, **args)

    with ThreadPoolExecutor(max_workers=client.workers, thread_name_prefix="nmbrs") as pool:
        return read_entities(call, pool.map)
