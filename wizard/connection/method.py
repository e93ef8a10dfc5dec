"""The connection-method seam: what every way of connecting a payroll system provides.

Steps, the validation and entity services and the hand-off talk to a
``ConnectionMethod``; none of them names a method. Two exist: the Nmbrs API
token (``wizard.connection.token``) and "Inloggen met Nmbrs", the REST consent
(``wizard.connection.consent``). A third (another Nmbrs login kind, another
payroll package) is one new package implementing this protocol, one entry in
``wizard.connection.registry`` and the step that obtains its credentials.
See docs/connection-methods.md.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Callable, Protocol

from wizard.models import Onboarding
from wizard.nmbrs import Profile


class CheckStatus(str, Enum):
    """The verdict on one right, as the client and support see it."""

    OK = "ok"                 # proven by a real call
    MISSING = "not_enabled"   # Nmbrs said the right is off (SOAP 1002, a scope not granted)
    NO_ACCESS = "no_access"   # the right is on, but the login's filter hides the data
    UNCHECKED = "error"       # could not be checked (timeout, 5xx, unreadable answer): retry


#: Run failures that say nothing about the credentials: an earlier verdict stands, retry later.
INCONCLUSIVE_FAILURES = frozenset({"timeout", "unreachable", "malformed_response", "truncated",
                                   "too_large", "unknown", "login_security", "throttled"})


@dataclass(frozen=True)
class Check:
    """One right of the profile and what the probe found (stored in ``ValidationRun.checks``).

    ``group`` is what the right belongs to (a SOAP service, a REST data area) and
    ``name`` the right itself (an operation, a scope). ``kind`` says why it failed.
    """

    group: str
    name: str
    required: bool
    status: CheckStatus
    code: int | None = None
    kind: str | None = None
    ms: int | None = None

    def as_dict(self) -> dict:
        return {**asdict(self), "status": self.status.value}


@dataclass(frozen=True)
class Reach:
    """The debtors and companies the credentials can see, as plain dicts.

    Debtors ``{"id", "number", "name"}``, companies ``{"id", "number", "name", "debtor_id"}``;
    ids are Nmbrs' own (SOAP integers or REST GUIDs).
    """

    debtors: list[dict] = field(default_factory=list)
    companies: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class CheckReport:
    """What one validation run found out about the stored credentials."""

    authenticated: bool
    checks: list[Check]
    #: Why the run could not get going (a kind such as "bad_credentials" or "unreachable").
    failure: str | None = None
    reach: Reach | None = None
    #: Who the credentials belong to, shown to the client and stored on the run (not a secret).
    identity: str | None = None
    domain: str | None = None

    @property
    def required_ok(self) -> bool:
        return self.authenticated and all(
            check.status is CheckStatus.OK for check in self.checks if check.required)


@dataclass(frozen=True)
class HandoffCredentials:
    """What the sync backend receives: ``connection`` in clear, ``secret`` only inside the JWE."""

    connection: dict
    secret: dict


@dataclass(frozen=True)
class CheckExplanation:
    """A stored check in the client's words: where it belongs, what it is for, how to fix it."""

    group_label: str
    purpose: str
    fix: str | None  # None when the check passed


#: Called with each check as it completes (a validation run shows them while it runs).
Progress = Callable[[Check], None]


class NoCredentials(Exception):
    """There is nothing to check: no credentials were given (or they were purged)."""


class EntitiesUnavailable(Exception):
    """The debtors and companies could not be read right now (the message names the kind)."""


class ConnectionMethod(Protocol):
    """Contract of a connection method. Implementations hold no per-onboarding state."""

    #: Stored in ``Credential.method``, ``answers.method`` and the hand-off's ``connection.method``.
    name: str
    #: The step that obtains the credentials (a form, or a redirect to the provider and back).
    credential_step: str

    def is_available(self) -> bool:
        """Whether this installation can offer the method (configured); says why not in the log."""

    def has_credentials(self, onboarding: Onboarding) -> bool:
        """Usable credentials are stored for this onboarding."""

    def count_rights(self, profile: Profile) -> int:
        """How many rights a run checks for ``profile`` (shown before the first run)."""

    def probe(self, onboarding: Onboarding, profile: Profile,
              progress: Progress | None = None) -> CheckReport:
        """Check the stored credentials against every right of ``profile``; never raises for
        provider faults (they become checks that could not run, or a run ``failure``).
        ``progress`` is called with each ``Check`` as soon as it is known, from any thread."""

    def read_reach(self, onboarding: Onboarding) -> Reach:
        """The debtors and companies the credentials see now; raises ``EntitiesUnavailable``."""

    def explain(self, check: dict, profile: Profile) -> CheckExplanation:
        """A stored ``Check.as_dict()`` in the client's words, with the fix when it failed."""

    def describe_login(self, onboarding: Onboarding) -> str:
        """Whose credentials are connected, in one line for the client (no secret)."""

    def failure_text(self, failure: str | None) -> str:
        """Why a whole run failed, in the client's words."""

    def handoff(self, onboarding: Onboarding) -> HandoffCredentials:
        """The connection details and the secret the sync backend needs."""

    def release(self, onboarding: Onboarding) -> None:
        """The credentials will not be used (revoked, replaced): tell the provider if it can be
        told (e.g. revoke an OAuth grant). Best effort; never raises for provider faults."""
