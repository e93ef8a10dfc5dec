"""Checking a username/token/domain against Nmbrs before anything else is asked of it.

``check_login`` makes one call (``Environment_Get``, which also tells us the domain).
It refuses only what we know is wrong and says which field to fix; when Nmbrs cannot
be asked (slow, down, call not enabled) it lets the client continue, and the
validation step reports the problem with a retry button.
"""
from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from enum import Enum

from wizard.connection.token.credentials import DomainError, TokenCredentials, normalise_domain
from wizard.connection.token.nmbrs_access import client, connector_credentials
from wizard.nmbrs import FaultKind, KnownEnvironment, NmbrsError, discover_domain

#: How long a login check's Environment_Get counts for the validation that follows it.
RECENT_SECONDS = 60.0


class LoginProblem(str, Enum):
    BAD_CREDENTIALS = "bad_credentials"   # 1001: username or token wrong
    DOMAIN_MISMATCH = "domain_mismatch"   # the login belongs to another environment
    DOMAIN_NEEDED = "domain_needed"       # Nmbrs could not tell us the domain; client must
    NO_SUBSCRIPTION = "no_subscription"   # the environment is switched off


#: Which form field the client should look at for each problem.
PROBLEM_FIELD = {
    LoginProblem.BAD_CREDENTIALS: "token",
    LoginProblem.DOMAIN_MISMATCH: "domain",
    LoginProblem.DOMAIN_NEEDED: "domain",
    LoginProblem.NO_SUBSCRIPTION: None,
}


class LoginRejected(Exception):
    """Nmbrs (or the check) refused the login; ``field`` names the likely culprit."""

    def __init__(self, problem: LoginProblem, *, expected_domain: str = ""):
        super().__init__(problem.value)
        self.problem = problem
        self.field = PROBLEM_FIELD[problem]
        self.expected_domain = expected_domain


@dataclass(frozen=True)
class LoginCheck:
    """Outcome of a check that did not refuse: the domain to use and whether Nmbrs confirmed it."""

    domain: str
    discovered: bool
    # A FaultKind value when Nmbrs could not be asked; the validation step retries.
    unverified_because: str | None = None


class _RecentChecks:
    """Environment_Get answers of the last ``RECENT_SECONDS``, keyed by a hash of the login
    (no token kept), each handed out once: to the validation run right after the check."""

    def __init__(self):
        self._found: dict[str, tuple[float, KnownEnvironment]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(username: str, token: str) -> str:
        return hashlib.sha256(f"{username}\0{token}".encode()).hexdigest()

    def remember(self, username: str, token: str, environment: KnownEnvironment) -> None:
        now = time.monotonic()
        with self._lock:
            self._found = {key: item for key, item in self._found.items() if item[0] > now}
            self._found[self._key(username, token)] = (now + RECENT_SECONDS, environment)

    def take(self, username: str, token: str) -> KnownEnvironment | None:
        with self._lock:
            expires, environment = self._found.pop(self._key(username, token), (0.0, None))
        return environment if expires > time.monotonic() else None


_recent = _RecentChecks()


def recent_environment(credentials: TokenCredentials) -> KnownEnvironment | None:
    """The Environment_Get a login check made for these credentials moments ago, if any (once):
    a validation right after entering the credentials need not repeat it."""
    environment = _recent.take(credentials.username, credentials.token)
    if environment is None or (credentials.domain and credentials.domain != environment.domain):
        return None
    return environment


def check_login(username: str, token: str, entered_domain: str) -> LoginCheck:
    """Ask Nmbrs who this login is; raise ``LoginRejected`` for a wrong field."""
    attempt = TokenCredentials(username, token, "")
    started = time.perf_counter()
    try:
        found = discover_domain(connector_credentials(attempt), client=client())
    except NmbrsError as error:
        if error.kind is FaultKind.BAD_CREDENTIALS:
            raise LoginRejected(LoginProblem.BAD_CREDENTIALS) from None
        if error.kind is FaultKind.NO_SUBSCRIPTION:
            raise LoginRejected(LoginProblem.NO_SUBSCRIPTION) from None
        if error.kind in (FaultKind.NOT_ENABLED, FaultKind.NO_ACCESS) and not entered_domain:
            raise LoginRejected(LoginProblem.DOMAIN_NEEDED) from None
        return LoginCheck(entered_domain, discovered=False, unverified_because=error.kind.value)
    try:
        domain = normalise_domain(found)
    except DomainError:
        return LoginCheck(entered_domain, discovered=False,
                          unverified_because=FaultKind.MALFORMED_RESPONSE.value)
    if entered_domain and entered_domain != domain:
        raise LoginRejected(LoginProblem.DOMAIN_MISMATCH, expected_domain=domain)
    _recent.remember(username, token,
                     KnownEnvironment(domain, ms=round((time.perf_counter() - started) * 1000, 1)))
    return LoginCheck(domain, discovered=True)
