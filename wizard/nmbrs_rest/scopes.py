"""The Nmbrs REST scopes we know, and for each the cheapest read that proves it works.

Scopes are all-or-nothing per data area (NMBRS.md §10): a consent either grants one or
not, and a write scope also satisfies its read variant. Granted is not the same as
usable, though: the login that consented may be filtered away from the data. So every
scope a profile needs is proven with one real call that writes nothing. Where the only
read starts work at Nmbrs (documents), the probe asks for an id that cannot exist: a
404 then means Nmbrs got past its scope check, as a SOAP probe with an absent id does.
"""
from __future__ import annotations

from dataclasses import dataclass

OFFLINE_ACCESS = "offline_access"
READ_SUFFIX = ".read"
ABSENT_ID = "00000000-0000-0000-0000-000000000000"  # Nmbrs ids are random GUIDs: never this


@dataclass(frozen=True)
class ScopeProbe:
    """The GET that proves a scope: ``path`` may hold ``{company}``, ``{debtor}``, ``{absent}``."""

    path: str
    params: tuple[tuple[str, str], ...] = ()
    #: A 404 is the expected answer (the id is absent on purpose) and proves the scope.
    absent_is_proof: bool = False
    paged: bool = True

    @property
    def needs(self) -> frozenset[str]:
        return frozenset(name for name in ("company", "debtor") if f"{{{name}}}" in self.path)


#: Every scope of NMBRS.md §10 (read variants; write variants satisfy them).
KNOWN_SCOPES = frozenset({
    OFFLINE_ACCESS, "user.info.read", "debtor.info.read", "company.info.read",
    "company.payrollsettings.read", "company.leave.read", "company.document.read",
    "document.read", "employee.info.read", "employee.employment.read", "employee.payment.read",
    "employee.leave.read", "employee.orgstructure.read", "employee.bankaccount.read",
    "employee.payrollsettings.read", "employee.document.read", "employee.document",
})

#: How each scope is proven. ``offline_access`` is proven by the refresh token in the grant;
#: ``employee.document`` (a write) has no harmless call, so it rests on Nmbrs' grant alone.
PROBES: dict[str, ScopeProbe] = {
    "user.info.read": ScopeProbe("/api/user/info"),
    "debtor.info.read": ScopeProbe("/api/debtors/info"),
    "company.info.read": ScopeProbe("/api/debtors"),
    "company.payrollsettings.read": ScopeProbe("/api/companies/{company}/runs",
                                               params=(("year", "{year}"),)),
    "company.document.read": ScopeProbe("/api/companies/{company}/wagetaxes/{absent}/xml",
                                        absent_is_proof=True, paged=False),
    "document.read": ScopeProbe("/api/documents/{absent}", absent_is_proof=True, paged=False),
    "employee.info.read": ScopeProbe("/api/companies/{company}/employees"),
    "employee.employment.read": ScopeProbe("/api/companies/{company}/employees/employments"),
    "employee.payrollsettings.read": ScopeProbe("/api/companies/{company}/employees/svwsettings"),
    "employee.bankaccount.read": ScopeProbe("/api/companies/{company}/employees/bankaccounts"),
    "employee.orgstructure.read": ScopeProbe("/api/debtors/{debtor}/departments"),
}

#: Every connection needs these, whatever its profile: a refresh token (so the sync backend
#: keeps access), who consented (the REST equivalent of the login check), and the list of
#: debtors and companies the client chooses from.
ALWAYS_REQUIRED = (OFFLINE_ACCESS, "user.info.read", "company.info.read")


def satisfies(granted: set[str] | frozenset[str], scope: str) -> bool:
    """Whether the granted scopes cover ``scope`` (a write scope covers its read variant)."""
    if scope in granted:
        return True
    return scope.endswith(READ_SUFFIX) and scope[: -len(READ_SUFFIX)] in granted
