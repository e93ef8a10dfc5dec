"""Scenario logins of the sandbox, read from ``logins.toml``."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from wizard.nmbrs import contract
from wizard.sandbox.data import Company, Debtor, Environment

LOGINS_FILE = Path(__file__).resolve().parent / "logins.toml"
ALL_OPERATIONS = frozenset(f"{service}.{name}" for service, ops in contract.OPERATIONS.items()
                           for name in ops)


@dataclass(frozen=True, eq=False, kw_only=True)
class EnvironmentView:
    """What one Nmbrs user sees of its environment: the login's debtor and company filter.

    ``debtor_positions`` are 1-based debtor positions, ``company_positions`` 1-based company
    positions within each visible debtor; ``None`` means no filter.
    """

    environment: Environment
    debtor_positions: tuple[int, ...] | None = None
    company_positions: tuple[int, ...] | None = None

    @property
    def domain(self) -> str:
        return self.environment.domain

    @cached_property
    def debtors(self) -> list[Debtor]:
        debtors = self.environment.debtors
        if self.debtor_positions is None:
            return list(debtors)
        return [debtors[p - 1] for p in self.debtor_positions if 0 < p <= len(debtors)]

    @cached_property
    def companies(self) -> dict[int, Company]:
        visible = {}
        for debtor in self.debtors:
            own = [c for c in self.environment.companies.values() if c.debtor_id == debtor.id]
            positions = self.company_positions
            chosen = own if positions is None else [own[p - 1] for p in positions
                                                    if 0 < p <= len(own)]
            visible.update((c.id, c) for c in chosen)
        return visible


def filter_positions(entry: dict) -> dict:
    """The ``debtors``/``companies`` filter of a TOML entry as ``EnvironmentView`` arguments."""
    return {f"{field}_positions": tuple(entry[key]) if key in entry else None
            for field, key in (("debtor", "debtors"), ("company", "companies"))}


@dataclass(frozen=True, eq=False, kw_only=True)
class Login(EnvironmentView):
    """One scenario: an API user with its template (rights), filter and behaviour."""

    scenario: str
    username: str
    token: str
    description: str
    rights: frozenset[str]
    valid: bool = True
    latency: float = 0.0
    flaky: bool = False
    fault: int | None = None

    def allowed(self, service: str, operation: str) -> bool:
        return f"{service}.{operation}" in self.rights

    def public(self) -> dict:
        """What ``flask sandbox logins --json`` prints."""
        return {"scenario": self.scenario, "username": self.username, "token": self.token,
                "domain": self.domain, "description": self.description}


def load_environments(path: Path = LOGINS_FILE) -> dict[str, Environment]:
    """The generated environments of ``logins.toml``, by key (shared by SOAP and REST)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {key: Environment(key, index, spec)
            for index, (key, spec) in enumerate(data["environments"].items(), start=1)}


def load_logins(path: Path = LOGINS_FILE,
                environments: dict[str, Environment] | None = None) -> list[Login]:
    """Every scenario login, environments generated from their seeds (or the ones given)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    if environments is None:
        environments = load_environments(path)
    templates = {name: ALL_OPERATIONS if "*" in ops else frozenset(ops)
                 for name, ops in data["templates"].items()}
    unknown = {op for ops in templates.values() for op in ops} - ALL_OPERATIONS
    if unknown:
        raise ValueError(f"{path.name}: templates name unknown operations {sorted(unknown)}")
    logins = []
    for entry in data["logins"]:
        rights = templates[entry.get("template", "all")] - frozenset(entry.get("deny", ()))
        logins.append(Login(
            scenario=entry["scenario"], username=entry["username"], token=entry["token"],
            description=entry["description"], environment=environments[entry["environment"]],
            rights=rights, valid=entry.get("valid", True), latency=float(entry.get("latency", 0)),
            flaky=bool(entry.get("flaky", False)), fault=entry.get("fault"),
            **filter_positions(entry)))
    names = [login.scenario for login in logins]
    if len(names) != len(set(names)):
        raise ValueError(f"{path.name}: a scenario name is used twice")
    return logins
