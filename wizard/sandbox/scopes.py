"""The scopes of the Nmbrs REST API (NMBRS.md §10), in plain words for the consent page.

A write scope (``employee.info``) also satisfies its read variant (``employee.info.read``);
``offline_access`` guards no endpoint, it only asks for a refresh token.
"""
from __future__ import annotations

from dataclasses import dataclass

OFFLINE_ACCESS = "offline_access"
READ_SUFFIX = ".read"


@dataclass(frozen=True)
class Scope:
    """One scope and what a consent page tells the user it allows."""

    name: str
    nl: str
    en: str

    def words(self, language: str) -> str:
        return self.en if language == "en" else self.nl


SCOPES = {scope.name: scope for scope in (
    Scope("company.info", "Bedrijfsgegevens bekijken en wijzigen",
          "View and change company details"),
    Scope("company.info.read", "Bedrijfsgegevens bekijken, zoals de lijst van werkgevers",
          "View company details, such as the list of employers"),
    Scope("company.payrollsettings.read",
          "Looninstellingen bekijken: looncodes, kostenplaatsen, verloningen en loonaangiften",
          "View payroll settings: wage codes, cost centres, payroll runs and wage tax returns"),
    Scope("company.leave.read", "Verlof- en verzuiminstellingen van het bedrijf bekijken",
          "View the company's leave and absence settings"),
    Scope("company.document.read",
          "Bedrijfsdocumenten laten maken, zoals journaalposten en loonaangifte-bestanden",
          "Have company documents produced, such as journals and wage tax files"),
    Scope("debtor.info.read", "Gegevens van de debiteur (je administratie) bekijken",
          "View the debtor's (your account's) details"),
    Scope("employee.info", "Persoonsgegevens van medewerkers bekijken en wijzigen",
          "View and change employees' personal details"),
    Scope("employee.info.read",
          "Persoonsgegevens van medewerkers bekijken: naam, adres, afdeling en functie",
          "View employees' personal details: name, address, department and function"),
    Scope("employee.employment", "Dienstverbanden bekijken en wijzigen",
          "View and change employment details"),
    Scope("employee.employment.read",
          "Dienstverbanden bekijken: contracten, salarissen en roosters",
          "View employment details: contracts, salaries and schedules"),
    Scope("employee.payment", "Looncomponenten en kostenplaatsen van medewerkers bekijken en wijzigen",
          "View and change employees' wage components and cost centres"),
    Scope("employee.payment.read", "Looncomponenten en kostenplaatsen van medewerkers bekijken",
          "View employees' wage components and cost centres"),
    Scope("employee.leave", "Verlof en verzuim van medewerkers bekijken en wijzigen",
          "View and change employees' leave and absence"),
    Scope("employee.leave.read", "Verlof en verzuim van medewerkers bekijken",
          "View employees' leave and absence"),
    Scope("employee.orgstructure", "Afdelingen, functies en managers bekijken en wijzigen",
          "View and change departments, functions and managers"),
    Scope("employee.orgstructure.read", "Afdelingen, functies en managers bekijken",
          "View departments, functions and managers"),
    Scope("employee.bankaccount", "Bankrekeningen van medewerkers bekijken en wijzigen",
          "View and change employees' bank accounts"),
    Scope("employee.bankaccount.read", "Bankrekeningen van medewerkers bekijken",
          "View employees' bank accounts"),
    Scope("employee.payrollsettings",
          "Loonheffings- en verzekeringsinstellingen van medewerkers bekijken en wijzigen",
          "View and change employees' wage tax and insurance settings"),
    Scope("employee.payrollsettings.read",
          "Loonheffings- en verzekeringsinstellingen van medewerkers bekijken",
          "View employees' wage tax and insurance settings"),
    Scope("employee.document", "Documenten van medewerkers bekijken en uploaden",
          "View and upload employees' documents"),
    Scope("employee.document.read",
          "Documenten van medewerkers laten maken, zoals loonstroken en jaaropgaven",
          "Have employee documents produced, such as payslips and annual statements"),
    Scope("document.read", "Gemaakte documenten downloaden", "Download documents produced"),
    Scope("user.info.read", "Je naam, e-mailadres en taal bekijken",
          "View your name, email address and language"),
    Scope(OFFLINE_ACCESS, "Toegang houden, ook als je niet bent ingelogd",
          "Keep access, also when you are not logged in"),
)}


def accepted_scopes(read_scope: str) -> frozenset[str]:
    """Every scope that allows a read guarded by ``read_scope``: itself and its write variant."""
    write = read_scope.removesuffix(READ_SUFFIX)
    return frozenset({read_scope} | ({write} if write in SCOPES else set()))


def unknown_scopes(names) -> list[str]:
    return [name for name in names if name not in SCOPES]
