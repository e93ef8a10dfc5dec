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


@dataclass(frozen=True, eq=False)
class Login:
    """One scenario: an API user with its template (rights), filter and behaviour."""

    scenario: str
    username: str
    token: str
    description: str
    environment: Environment
    rights: frozenset[str]
    valid: bool = True
    latency: float = 0.0
    flaky: bool = False
    fault: int | None = None
    debtor_positions: tuple[int, ...] | None = None
    company_positions: tuple[int, ...] | None = None

    @property
    def domain(self) -> str:
        return self.environment.domain

    def allowed(self, service: str, operation: str) -> bool:
        return f"{service}.{operation}" in self.rights

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

    def public(self) -> dict:
        """What ``flask sandbox logins --json`` prints."""
        return {"scenario": self.scenario, "username": self.username, "token": self.token,
                "domain": self.domain, "description": self.description}


def load_logins(path: Path = LOGINS_FILE) -> list[Login]:
    """Every scenario login, environments generated from their seeds."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    environments = {key: Environment(key, index, spec)
                    for index, (key, spec) in enumerate(data["environments"].items(), start=1)}
    templates = {name: ALL_OPERATIONS if "*" in ops else frozenset(ops)
                 for name, ops in data["templates"].items()}
    unknown = {op for ops in templates.values() for op in ops} - ALL_OPERATIONS
    if unknown:
        raise ValueError(f"{path.name}: templates name unknown operations {sorted(unknown)}")
    logins = []
    for entry in data["logins"]:
        rights = templates[entry.get("template", "all")] - frozenset(entry.get("deny", ()))
        positions = {key: tuple(entry[key]) if key in entry else None
                     for key in ("debtors", "companies")}
        logins.append(Login(
            scenario=entry["scenario"], username=entry["username"], token=entry["token"],
            description=entry["description"], environment=environments[entry["environment"]],
            rights=rights, valid=entry.get("valid", True), latency=float(entry.get("latency", 0)),
            flaky=bool(entry.get("flaky", False)), fault=entry.get("fault"),
            debtor_positions=positions["debtors"], company_positions=positions["companies"]))
    names = [login.scenario for login in logins]
    if len(names) != len(set(names)):
        raise ValueError(f"{path.name}: a scenario name is used twice")
    return logins
