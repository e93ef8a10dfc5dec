"""What each Nmbrs REST scope lets us read, in the HR manager's words (Dutch, English)."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from wizard.nmbrs import Profile


@dataclass(frozen=True)
class ScopeText:
    area: object   # lazy string: the kind of data
    reads: object  # lazy string: what exactly


SCOPE_TEXTS = {
    "offline_access": ScopeText(_l("Verbinding"), _l("verbonden blijven, zodat je niet steeds opnieuw hoeft in te loggen")),
    "user.info.read": ScopeText(_l("Jouw Nmbrs-account"), _l("je naam, e-mailadres en taal")),
    "debtor.info.read": ScopeText(_l("Organisatie"), _l("gegevens van je administratie (de debiteur)")),
    "company.info.read": ScopeText(_l("Bedrijven"), _l("bedrijfsgegevens: namen, nummers, adressen en de huidige salarisperiode")),
    "company.payrollsettings.read": ScopeText(_l("Bedrijven"), _l("looninstellingen: verloningen en loonaangiften")),
    "company.leave.read": ScopeText(_l("Bedrijven"), _l("verlof- en verzuiminstellingen")),
    "company.document.read": ScopeText(_l("Documenten"), _l("loonaangifte-bestanden en rapporten laten klaarzetten")),
    "document.read": ScopeText(_l("Documenten"), _l("klaargezette documenten ophalen")),
    "employee.info.read": ScopeText(_l("Medewerkers"), _l("persoonsgegevens: naam, e-mail, adres, afdeling en functie")),
    "employee.employment.read": ScopeText(_l("Medewerkers"), _l("dienstverbanden: contracten, salarissen en roosters")),
    "employee.payment.read": ScopeText(_l("Medewerkers"), _l("looncomponenten en kostenplaatsen")),
    "employee.leave.read": ScopeText(_l("Medewerkers"), _l("verlof en verzuim")),
    "employee.orgstructure.read": ScopeText(_l("Organisatie"), _l("afdelingen, functies en managers")),
    "employee.bankaccount.read": ScopeText(_l("Medewerkers"), _l("bankrekeningen")),
    "employee.payrollsettings.read": ScopeText(_l("Medewerkers"), _l("sociale verzekeringen en loonheffingsinstellingen")),
    "employee.document.read": ScopeText(_l("Documenten"), _l("loonstroken en jaaropgaven laten klaarzetten")),
    "employee.document": ScopeText(_l("Documenten"), _l("documenten bij medewerkers in Nmbrs zetten, zoals afgeronde beoordelingen")),
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
    rows = [RequestedScope(scope, required, str(SCOPE_TEXTS[scope].area),
                           str(SCOPE_TEXTS[scope].reads))
            for scope, required in profile.rest_scopes()]
    return sorted(rows, key=lambda row: not row.required)


def scope_area(scope: str) -> str:
    text = SCOPE_TEXTS.get(scope)
    return str(text.area) if text else scope


def scope_reads(scope: str) -> str:
    text = SCOPE_TEXTS.get(scope)
    return str(text.reads) if text else scope
