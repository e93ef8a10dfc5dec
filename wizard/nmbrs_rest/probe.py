"""Check a consent against the scopes a profile needs, with real calls that write nothing.

Order of work (each call starts as soon as what it needs is known, side by side):
who consented (``/api/user/info``) and the debtors (``/api/debtors``) first, then the
companies of every debtor, then one proving call per granted scope, on the first
company and debtor the consent reaches. A scope Nmbrs did not grant is "missing"
without a call; a granted scope whose call is refused for the data (403 ``40303``) is
"no access" (the consenting login's filter); a call that fails for any other reason
leaves its scope "could not be checked", never passed and never missing.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Callable

from wizard.nmbrs_rest.client import NmbrsRestClient, TokenSource
from wizard.nmbrs_rest.errors import RestError, RestErrorKind
from wizard.nmbrs_rest.scopes import ABSENT_ID, OFFLINE_ACCESS, PROBES, satisfies

#: Failures that end the whole run: the consent or the environment is unusable.
RUN_FAILURES = frozenset({RestErrorKind.CONSENT_REVOKED, RestErrorKind.NO_SUBSCRIPTION,
                          RestErrorKind.CONFIGURATION})


@dataclass(frozen=True)
class ScopeCheck:
    """The verdict on one scope. ``proof`` says how it was established: a call, or the grant."""

    scope: str
    required: bool
    status: str        # "ok" | "not_enabled" | "no_access" | "error"
    kind: str | None = None
    code: int | None = None
    ms: int | None = None
    proof: str = "call"


@dataclass(frozen=True)
class ConsentReport:
    """What one check of a consent found."""

    authenticated: bool
    checks: list[ScopeCheck]
    failure: str | None = None
    user: dict | None = None
    debtors: list[dict] | None = None
    companies: list[dict] | None = None


def _debtor(item: dict) -> dict:
    return {"id": item.get("debtorId"), "number": item.get("number"), "name": item.get("name") or ""}


def _company(item: dict, debtor_id: str) -> dict:
    return {"id": item.get("companyId"), "number": item.get("number"),
            "name": item.get("name") or "", "debtor_id": item.get("debtorId") or debtor_id}


def read_reach(client: NmbrsRestClient, tokens: TokenSource, *, deadline: float | None,
               pool: ThreadPoolExecutor) -> tuple[list[dict], list[dict]]:
    """Debtors, then every debtor's companies side by side; a debtor hidden by the login's
    filter has none. Raises ``RestError`` for anything else."""
    debtors = [_debtor(item) for item in client.get_all("/api/debtors", tokens, deadline=deadline)]

    def companies_of(debtor: dict) -> list[dict]:
        try:
            items = client.get_all(f"/api/debtors/{debtor['id']}/companies", tokens,
                                   deadline=deadline)
        except RestError as error:
            if error.kind is RestErrorKind.NO_ACCESS:
                return []
            raise
        return [_company(item, debtor["id"]) for item in items]

    companies = [company for group in pool.map(companies_of, debtors) for company in group]
    unique = list({company["id"]: company for company in companies}.values())
    return debtors, unique


class _Timer:
    def __init__(self):
        self.started = time.perf_counter()

    @property
    def ms(self) -> int:
        return round((time.perf_counter() - self.started) * 1000)


def _outcome(scope: str, required: bool, error: RestError | None, ms: int,
             absent_is_proof: bool = False) -> ScopeCheck:
    if error is None:
        return ScopeCheck(scope, required, "ok", ms=ms)
    if absent_is_proof and error.kind is RestErrorKind.NOT_FOUND:
        return ScopeCheck(scope, required, "ok", code=error.code, ms=ms)
    if error.kind is RestErrorKind.NO_ACCESS:
        return ScopeCheck(scope, required, "no_access", kind=error.kind.value, code=error.code, ms=ms)
    return ScopeCheck(scope, required, "error", kind=error.kind.value, code=error.code, ms=ms)


def probe_consent(client: NmbrsRestClient, tokens: TokenSource, scopes: list[tuple[str, bool]],
                  granted: set[str], *, has_refresh_token: bool, deadline: float | None,
                  workers: int = 6, today: date | None = None,
                  on_check: Callable[[ScopeCheck], None] | None = None) -> ConsentReport:
    """Check every (scope, required) against what Nmbrs granted and what the consent reaches.

    Never raises for Nmbrs faults: a run that cannot get going reports ``failure`` (a
    ``RestErrorKind`` value); single scopes that cannot be checked are status ``error``.
    ``on_check`` hears of each scope's verdict as soon as it is in (from worker threads).
    """
    year = (today or date.today()).year
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="nmbrs-rest") as pool:
        user_future = (pool.submit(_timed, client.get, "/api/user/info", tokens,
                                   params={"pageSize": 1}, deadline=deadline)
                       if satisfies(granted, "user.info.read") else None)
        listed = satisfies(granted, "company.info.read")
        reach_timer = _Timer()
        reach_error: RestError | None = None
        debtors = companies = None
        if listed:
            with ThreadPoolExecutor(max_workers=max(1, workers),
                                    thread_name_prefix="nmbrs-rest-reach") as reach_pool:
                try:
                    debtors, companies = read_reach(client, tokens, deadline=deadline,
                                                    pool=reach_pool)
                except RestError as error:
                    reach_error = error
        reach_ms = reach_timer.ms
        user, user_error, user_ms = (user_future.result() if user_future is not None
                                     else (None, None, None))

        for error in (user_error, reach_error):
            if error is not None and error.kind in RUN_FAILURES:
                return ConsentReport(False, [], failure=error.kind.value)
        made = [error for error, ran in ((user_error, user_future is not None),
                                         (reach_error, listed)) if ran]
        if made and all(error is not None for error in made):
            # Nothing answered: the consent could not be looked at at all.
            return ConsentReport(False, [], failure=made[0].kind.value)

        company = companies[0]["id"] if companies else None
        debtor = (companies[0]["debtor_id"] if companies else (debtors[0]["id"] if debtors else None))
        values = {"company": company, "debtor": debtor, "absent": ABSENT_ID, "year": str(year)}

        def check(item: tuple[str, bool]) -> ScopeCheck:
            scope, required = item
            if scope == OFFLINE_ACCESS:
                granted_here = has_refresh_token and OFFLINE_ACCESS in granted
                return ScopeCheck(scope, required, "ok" if granted_here else "not_enabled",
                                  kind=None if granted_here else "not_granted", proof="grant")
            if not satisfies(granted, scope):
                return ScopeCheck(scope, required, "not_enabled", kind="not_granted", proof="grant")
            if scope == "user.info.read":
                return _outcome(scope, required, user_error, user_ms or 0)
            if scope == "company.info.read":
                return _outcome(scope, required, reach_error, reach_ms)
            probe = PROBES.get(scope)
            if probe is None:
                return ScopeCheck(scope, required, "ok", proof="grant")
            if any(values.get(name) is None for name in probe.needs):
                return _without_ids(scope, required, companies, reach_error)
            path = probe.path.format(**values)
            params = {name: value.format(**values) for name, value in probe.params}
            timer = _Timer()
            try:
                if probe.paged:
                    client.get_page(path, tokens, size=1, params=params, deadline=deadline)
                else:
                    client.get(path, tokens, params=params or None, deadline=deadline)
            except RestError as error:
                return _outcome(scope, required, error, timer.ms, probe.absent_is_proof)
            return ScopeCheck(scope, required, "ok", ms=timer.ms)

        def reported(item: tuple[str, bool]) -> ScopeCheck:
            verdict = check(item)
            if on_check is not None:
                on_check(verdict)
            return verdict

        checks = list(pool.map(reported, scopes))
    revoked = next((c for c in checks if c.kind == RestErrorKind.CONSENT_REVOKED.value), None)
    if revoked is not None:
        return ConsentReport(False, [], failure=revoked.kind)
    return ConsentReport(True, checks, user=_user(user), debtors=debtors, companies=companies)


def _without_ids(scope: str, required: bool, companies: list | None,
                 reach_error: RestError | None) -> ScopeCheck:
    """A scope whose proof needs a company or debtor, when none is known."""
    if companies is not None:  # the list was read: the consenting login sees no company
        return ScopeCheck(scope, required, "no_access", kind="no_companies")
    if reach_error is not None:
        return ScopeCheck(scope, required, "error", kind=reach_error.kind.value)
    # company.info.read was not granted: nothing to prove this scope on (it is reported missing).
    return ScopeCheck(scope, required, "error", kind="needs_company_list")


def _timed(function, *args, **kwargs):
    """(result, error, ms) of one call, so a failure does not stop the others."""
    timer = _Timer()
    try:
        return function(*args, **kwargs), None, timer.ms
    except RestError as error:
        return None, error, timer.ms


def _user(body: dict | None) -> dict | None:
    """Who consented, from ``/api/user/info`` (name, e-mail, language); no ids kept."""
    if not body or not body.get("data"):
        return None
    item = body["data"][0] if isinstance(body["data"][0], dict) else {}
    return {"name": item.get("name"), "email": item.get("email"), "language": item.get("language")}
