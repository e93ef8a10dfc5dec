"""The payroll packages a client can choose from, as data.

Only packages with ``supported=True`` can be connected; the others are shown
so a client recognises their own package and learns, without a dead end, that
support will help. Adding a package is one entry here.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PayrollPackage:
    id: str          # stored in onboarding.answers["package"]["package"]
    name: str        # product name, the same in every language
    supported: bool = False


CATALOG: tuple[PayrollPackage, ...] = (
    PayrollPackage("nmbrs", "Visma Nmbrs", supported=True),
    PayrollPackage("loket", "Loket.nl"),
    PayrollPackage("afas", "AFAS Profit"),
    PayrollPackage("youforce", "Visma Raet / Youforce"),
    PayrollPackage("adp", "ADP"),
    PayrollPackage("exact", "Exact Online Loonadministratie"),
)


def payroll_package(package_id: str | None) -> PayrollPackage | None:
    """The catalog entry with this id, or None."""
    return next((p for p in CATALOG if p.id == package_id), None)


def supported_packages() -> list[PayrollPackage]:
    return [p for p in CATALOG if p.supported]
