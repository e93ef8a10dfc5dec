"""Permission profiles: for each integration we offer, the Nmbrs operations it needs.

A profile is a TOML file in ``wizard/nmbrs/profiles/``. Each operation says
whether it is required, why we need it (nl/en, shown to the client) and how to
probe it cheaply: ``args`` maps every request parameter to a *probe source*
(see ``SOURCES``) or to a literal written as ``"=value"``. ``writes = true``
marks an operation that changes data: its ids may only come from ``absent_*``
sources, so a probe is refused by Nmbrs before anything is stored.
``starts_task = true`` marks a call that starts work at Nmbrs: it is called at
most once per validation run and never retried.

The same profile serves "Inloggen met Nmbrs": ``scopes`` lists the REST scopes
(read variants, NMBRS.md §12) that give the data the operation gives over SOAP
(empty when REST needs none, e.g. id converters). ``Profile.rest_scopes()`` is
what the consent asks for.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from wizard.nmbrs import contract
from wizard.nmbrs_rest.scopes import ALWAYS_REQUIRED, KNOWN_SCOPES

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
DEFAULT_PROFILE = "payroll"

# Probe sources. "Real" ones come from the login's own data; ``absent_*`` ones are
# ids that cannot exist, so Nmbrs can only answer with its rights check or a 2xxx.
SOURCES = {
    "debtor": "the first debtor the login can see",
    "company": "the first company the login can see (known soonest)",
    "small_company": "the smallest of the first few companies the login can see (for the "
                     "company-wide reads, which return every employee's history)",
    "employee": "an employee of the first company that has one, else of the smallest",
    "employee_type": "the first employee type (EmployeeType_GetList)",
    "run": "a payroll run of the company this year (Run_GetList)",
    "wage_tax": "a wage-tax declaration of the company this year (WageTax_GetList)",
    "year": "the current year",
    "last_year": "last year",
    "period": "the company's current period (Company_GetCurrentPeriod)",
    "absent_employee": "an employee id that cannot exist",
    "absent_task": "a fresh random task id",
    "empty_document": "an empty file",
    "zero_guid": "the all-zero GUID",
}
ABSENT_SOURCES = {"absent_employee", "absent_task"}
#: Operations that return every employee's full history: probed on the smallest company only.
HEAVY_READ = "_GetAll_AllEmployeesByCompany"
ID_PARAMS = {"DebtorId", "CompanyId", "CompanyID", "companyId", "EmployeeId", "EmployeeID",
             "RunID", "LoonaangifteID", "TaskId"}


class ProfileError(ValueError):
    """A profile file is inconsistent with our contract or the probe rules."""


@dataclass(frozen=True)
class ProfileOperation:
    """One operation of a profile and how to probe it."""

    service: str
    operation: str
    required: bool
    purpose: dict[str, str]
    args: tuple[tuple[str, str], ...] = ()
    writes: bool = False
    starts_task: bool = False
    scopes: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.service}.{self.operation}"


@dataclass(frozen=True)
class Profile:
    """An integration's permission needs, in the order they are shown."""

    name: str
    title: dict[str, str]
    description: dict[str, str]
    operations: tuple[ProfileOperation, ...]

    def services(self) -> list[str]:
        """Service names in first-use order."""
        return list(dict.fromkeys(op.service for op in self.operations))

    def sources(self) -> set[str]:
        """Every probe source some operation needs."""
        return {value for op in self.operations for _, value in op.args
                if not value.startswith("=")}

    def rest_scopes(self) -> list[tuple[str, bool]]:
        """(scope, required) for the consent: the ones every connection needs, then the
        operations' scopes in profile order; required when any required operation needs it."""
        required: dict[str, bool] = {scope: True for scope in ALWAYS_REQUIRED}
        for op in self.operations:
            for scope in op.scopes:
                required[scope] = required.get(scope, False) or op.required
        return list(required.items())

    def operations_needing(self, scope: str) -> list[ProfileOperation]:
        """The operations whose data the REST scope gives."""
        return [op for op in self.operations if scope in op.scopes]

    def find(self, service: str, operation: str) -> ProfileOperation | None:
        return next((op for op in self.operations
                     if op.service == service and op.operation == operation), None)


def available_profiles() -> list[str]:
    """Names of the shipped profiles."""
    return sorted(path.stem for path in PROFILE_DIR.glob("*.toml"))


@cache
def load_profile(name: str) -> Profile:
    """Read and check one profile; KeyError for names that do not exist."""
    if name not in available_profiles():
        raise KeyError(f"Unknown permission profile {name!r}; "
                       f"available: {', '.join(available_profiles())}")
    data = tomllib.loads((PROFILE_DIR / f"{name}.toml").read_text(encoding="utf-8"))
    operations = tuple(_operation(name, entry) for entry in data["operations"])
    keys = [op.key for op in operations]
    if len(keys) != len(set(keys)):
        raise ProfileError(f"profile {name}: an operation is listed twice")
    return Profile(name=name, title=_texts(data["title"]), description=_texts(data["description"]),
                   operations=operations)


def _texts(value: dict) -> dict[str, str]:
    if set(value) != {"nl", "en"}:
        raise ProfileError(f"texts need exactly nl and en, got {sorted(value)}")
    return {"nl": value["nl"], "en": value["en"]}


def _operation(profile: str, entry: dict) -> ProfileOperation:
    spec = contract.operation(entry["service"], entry["operation"])
    args = tuple(entry.get("args", {}).items())
    where = f"profile {profile}: {spec.service}.{spec.name}"
    if {param for param, _ in args} != {param for param, _ in spec.params}:
        raise ProfileError(f"{where}: probe args must name exactly {[p for p, _ in spec.params]}")
    for param, value in args:
        if not value.startswith("=") and value not in SOURCES:
            raise ProfileError(f"{where}: unknown probe source {value!r}")
        if entry.get("writes") and param in ID_PARAMS and value not in ABSENT_SOURCES:
            raise ProfileError(f"{where}: a write may only be probed with absent ids")
        if HEAVY_READ in spec.name and param == "CompanyID" and value != "small_company":
            raise ProfileError(f"{where}: a company-wide read is probed on small_company only")
    scopes = tuple(entry.get("scopes", ()))
    unknown = set(scopes) - KNOWN_SCOPES
    if unknown:
        raise ProfileError(f"{where}: unknown REST scopes {sorted(unknown)}")
    return ProfileOperation(service=spec.service, operation=spec.name,
                            required=bool(entry["required"]), purpose=_texts(entry["purpose"]),
                            args=args, writes=bool(entry.get("writes")),
                            starts_task=bool(entry.get("starts_task")), scopes=scopes)
