"""What each Nmbrs REST scope lets us read, in the HR manager's words (Dutch, English)."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from wizard.nmbrs import Profile


#: The kinds of data, as stored in a check's ``group`` (a stable key) and shown (translated).
AREAS = {
    "connection": _l("Verbinding"),
    "account": _l("Jouw Nmbrs-account"),
    "organisation": _l("Organisatie"),
    "companies": _l("Bedrijven"),
    "documents": _l("Documenten"),
    "employees": _l("Medewerkers"),
}


@dataclass(frozen=True)
class ScopeText:
    area: str      # a key of AREAS
    reads: object  # lazy string: what exactly


SCOPE_TEXTS = {
    "offline_access": ScopeText("connection", _l("verbonden blijven, zodat je niet steeds opnieuw hoeft in te loggen")),
    "user.info.read": ScopeText("account", _l("je naam, e-mailadres en taal")),
    "debtor.info.read": ScopeText("organisation", _l("gegevens van je administratie (de debiteur)")),
    "company.info.read": ScopeText("companies", _l("bedrijfsgegevens: namen, nummers, adressen en de huidige salarisperiode")),
    "company.payrollsettings.read": ScopeText("companies", _l("looninstellingen: verloningen en loonaangiften")),
    "company.leave.read": ScopeText("companies", _l("verlof- en verzuiminstellingen")),
    "company.document.read": ScopeText("documents", _l("loonaangifte-bestanden en rapporten laten klaarzetten")),
    "document.read": ScopeText("documents", _l("klaargezette documenten ophalen")),
    "employee.info.read": ScopeText("employees", _l("persoonsgegevens: naam, e-mail, adres, afdeling en functie")),
    "employee.employment.read": ScopeText("employees", _l("dienstverbanden: contracten, salarissen en roosters")),
    "employee.payment.read": ScopeText("employees", _l("looncomponenten en kostenplaatsen")),
    "employee.leave.read": ScopeText("employees", _l("verlof en verzuim")),
    "employee.orgstructure.read": ScopeText("organisation", _l("afdelingen, functies en managers")),
    "employee.bankaccount.read": ScopeText("employees", _l("bankrekeningen")),
    "employee.payrollsettings.read": ScopeText("employees", _l("sociale verzekeringen en loonheffingsinstellingen")),
    "employee.document.read": ScopeText("documents", _l("loonstroken en jaaropgaven laten klaarzetten")),
    "employee.document": ScopeText("documents", _l("documenten bij medewerkers in Nmbrs zetten, zoals afgeronde beoordelingen")),
}


@dataclass(frozen=True)
class RequestedScope:
    """One scope as the consent step lists it."""

    scope: str
    required: bool
    area: str
    reads: str


def requested_scopes(profile: Profile) -> list[RequestedScope]:
    """The profile's scopes in plain words, required first (ordered as the profile has them)."""
    rows = [RequestedScope(scope, required, area_label(SCOPE_TEXTS[scope].area),
                           str(SCOPE_TEXTS[scope].reads))
            for scope, required in profile.rest_scopes()]
    return sorted(rows, key=lambda row: not row.required)


def scope_area(scope: str) -> str:
    """The stable key of the kind of data a scope gives (stored in checks; any thread)."""
    text = SCOPE_TEXTS.get(scope)
    return text.area if text else "other"


def area_label(area: str) -> str:
    """The kind of data, in the page's language."""
    return str(AREAS.get(area, area))


def scope_reads(scope: str) -> str:
    text = SCOPE_TEXTS.get(scope)
    return str(text.reads) if text else scope
