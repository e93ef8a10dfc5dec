"""An HR manager's whole path through the wizard, from the invite link to the done page.

``token_journey``: terms, Nmbrs, API token, the login, the check, all companies, done.
``consent_journey``: terms, Nmbrs, "Inloggen met Nmbrs", the sandbox's identity server (log
in with a consent account, approve), back, the check, all companies, done.
The browser behaves as one with JavaScript: while the check runs it polls the progress
URL as ``static/js/wizard.js`` does (after 0.5 s, then every 0.7 s) and reloads when done.
Think time comes before each form is sent (reading and typing), never while waiting.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Callable

from tests.benchmarks.harness.browser import BenchBrowser, UnexpectedAnswer, csrf_token
from tests.benchmarks.harness.stats import Sample
from tests.support.consent import give_consent

COMPANY = re.compile(r'name="company" value="([^"]+)"')
#: Requests that may call Nmbrs while the client waits (at most one call each, issue 12).
NMBRS_STEPS = frozenset({"credentials POST", "oauth callback"})
#: Time at the identity server: Nmbrs' pages, not the wizard's.
EXTERNAL_STEPS = frozenset({"nmbrs login and consent"})
POLL_FIRST, POLL_EVERY, CHECK_TIMEOUT = 0.5, 0.7, 120.0


@dataclass(frozen=True)
class Login:
    """What the manager types: a SOAP login (token path) or a consent account."""

    username: str
    secret: str


@dataclass
class Journey:
    """How one walk went: which path, the organisation, when the done page came."""

    path: str
    organisation: str
    started: float
    completed_at: float | None = None  # wall clock (time.time()), to compare with the receiver
    seconds: float | None = None
    error: str | None = None


def _hidden(page, name: str) -> str:
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page.text)
    if not match:
        raise UnexpectedAnswer(f"no hidden field {name} on {page.url}")
    return match.group(1)


def _submit(browser: BenchBrowser, step: str, page, fields: list[tuple[str, str]],
            think: Callable[[], None]):
    """Read and fill in ``page``, send it, and follow the redirect to the next page."""
    think()
    return browser.post(f"{step} POST", f"/onboarding/{step}",
                        [*fields, ("csrf_token", csrf_token(page))], expect=(302,))


def to_package(browser: BenchBrowser, link: str, think=lambda: None):
    """Invite link and terms: the package step's page."""
    opened = browser.get("invite open", link, expect=(302,))
    resume = browser.follow("onboarding resume", opened, expect=(302,))
    terms = browser.follow("terms GET", resume)
    answer = _submit(browser, "terms", terms, [("version", _hidden(terms, "version")),
                                               ("accept", "y"), ("name", "Sanne de Vries")], think)
    return browser.follow("package GET", answer)


def _open_and_choose(browser: BenchBrowser, link: str, method: str, think):
    """Invite link, terms, package, method: the answer to the method."""
    package = to_package(browser, link, think)
    answer = _submit(browser, "package", package, [("package", "nmbrs")], think)
    chosen = browser.follow("method GET", answer)
    return _submit(browser, "method", chosen, [("method", method)], think)


def _wait_for_check(browser: BenchBrowser, validation):
    """Poll the progress as the page's script does; the reloaded page once the check is done."""
    deadline = time.monotonic() + CHECK_TIMEOUT
    time.sleep(POLL_FIRST)
    while 'id="validation-progress"' in validation.text:
        progress = browser.get("validation progress", "/onboarding/validation/progress").json()
        if not progress.get("running"):
            return browser.get("validation GET", "/onboarding/validation")
        if time.monotonic() > deadline:
            raise UnexpectedAnswer("the check did not finish in time")
        time.sleep(POLL_EVERY)
    return validation


def _check_companies_done(browser: BenchBrowser, validation, think) -> None:
    """The finished check, all companies, the done page."""
    validation = _wait_for_check(browser, validation)
    answer = _submit(browser, "validation", validation, [], think)
    entities = browser.follow("entities GET", answer)
    companies = COMPANY.findall(entities.text)
    if not companies:
        raise UnexpectedAnswer("the company step lists no companies")
    answer = _submit(browser, "entities", entities, [("company", c) for c in companies], think)
    done = browser.follow("done GET", answer)
    if "/onboarding/done" not in done.url:
        raise UnexpectedAnswer(f"the last page is {done.url}, not the done page")


def token_journey(browser: BenchBrowser, link: str, login: Login, think) -> None:
    answer = _open_and_choose(browser, link, "token", think)
    credentials = browser.follow("credentials GET", answer)
    answer = _submit(browser, "credentials", credentials,
                     [("username", login.username), ("token", login.secret), ("domain", "")], think)
    _check_companies_done(browser, browser.follow("validation GET", answer), think)


def consent_journey(browser: BenchBrowser, link: str, login: Login, think) -> None:
    answer = _open_and_choose(browser, link, "oauth", think)
    consent = browser.follow("consent GET", answer)
    answer = _submit(browser, "consent", consent, [], think)
    authorize = answer.headers["Location"]
    started = time.perf_counter()
    callback = give_consent(authorize, login.username, login.secret, session=browser.http)
    browser.recorder.add("", Sample("nmbrs login and consent", time.perf_counter() - started))
    back = browser.get("oauth callback", callback, expect=(302,))
    _check_companies_done(browser, browser.follow("validation GET", back), think)


def to_entities(browser: BenchBrowser, link: str, login: Login):
    """The token path up to the company step (no think time); that page's response."""
    answer = _open_and_choose(browser, link, "token", lambda: None)
    credentials = browser.follow("credentials GET", answer)
    answer = _submit(browser, "credentials", credentials,
                     [("username", login.username), ("token", login.secret), ("domain", "")],
                     lambda: None)
    validation = _wait_for_check(browser, browser.follow("validation GET", answer))
    answer = _submit(browser, "validation", validation, [], lambda: None)
    return browser.follow("entities GET", answer)


JOURNEYS = {"token": token_journey, "consent": consent_journey}
