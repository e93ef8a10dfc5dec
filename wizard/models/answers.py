"""What a client answered in the wizard, read and written through named fields.

The answers live in one JSON column (``onboarding.answers``), keyed by step
name, each stamped with the time it was given. This module is the only place
that knows those keys: everything else reads ``onboarding.answers.terms.version``
or calls ``onboarding.answers.record("terms", version=...)``. Secrets never
go here; credentials live encrypted in their own table.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import TypeVar

from wizard.models.base import utcnow


@dataclass(frozen=True)
class Answer:
    """Any step's answer: at least when it was given."""

    at: datetime


@dataclass(frozen=True)
class TermsAnswer(Answer):
    version: str


@dataclass(frozen=True)
class PackageAnswer(Answer):
    package: str


@dataclass(frozen=True)
class MethodAnswer(Answer):
    method: str


@dataclass(frozen=True)
class LoginAnswer(Answer):
    """Who connected, as far as it is not secret: a token login's e-mail and domain, or the
    Nmbrs user who gave consent and the scopes Nmbrs granted."""

    username: str | None = None
    domain: str | None = None
    scopes: tuple[str, ...] = ()
    name: str | None = None


@dataclass(frozen=True)
class ValidationAnswer(Answer):
    run_id: int
    required_ok: bool
    checked: int = 0
    ok: int = 0
    optional_failed: tuple[str, ...] = ()


@dataclass(frozen=True)
class EntitiesAnswer(Answer):
    debtors: tuple[dict, ...] = ()
    companies: tuple[dict, ...] = ()
    #: How many companies the login could reach when the choice was made (AVG least privilege).
    reachable_companies: int | None = None
    #: Present when the client knowingly connected fewer companies than the login reaches:
    #: ``{"at", "by", "reachable_companies", "selected_companies", "rechecks"}`` (``by``: the name typed
    #: when accepting the terms, else the invite's contact name; may be None).
    acknowledgement: dict | None = None


A = TypeVar("A", bound=Answer)

#: The stored key of each typed answer (the step that gives it).
TERMS, PACKAGE, METHOD, LOGIN, VALIDATION, ENTITIES = (
    "terms", "package", "method", "credentials", "validation", "entities")


class Answers:
    """Typed access to one onboarding's stored answers (changes mark the row dirty)."""

    def __init__(self, raw: dict):
        self._raw = raw

    def has(self, step: str) -> bool:
        return step in self._raw

    def record(self, step: str, **values) -> None:
        """Store a step's answer, stamped with the time it was given (replaces an older one)."""
        self._raw[step] = {"at": utcnow().isoformat(), **_plain(values)}

    def update(self, step: str, **values) -> None:
        """Change fields of an existing answer, keeping when it was given."""
        self._raw[step] = {**self._raw[step], **_plain(values)}

    def forget(self, *steps: str) -> None:
        for step in steps:
            self._raw.pop(step, None)

    def given_at(self, step: str) -> datetime | None:
        entry = self._raw.get(step)
        return datetime.fromisoformat(entry["at"]) if entry and entry.get("at") else None

    def as_dict(self) -> dict:
        """A deep-enough copy of what is stored (for tests and diagnostics)."""
        return {step: dict(entry) for step, entry in self._raw.items()}

    def _read(self, step: str, kind: type[A]) -> A | None:
        entry = self._raw.get(step)
        if not entry or "at" not in entry:
            return None
        values = {}
        for item in fields(kind):
            if item.name == "at":
                values["at"] = datetime.fromisoformat(entry["at"])
            elif item.name in entry:
                value = entry[item.name]
                values[item.name] = tuple(value) if isinstance(value, list) else value
        try:
            return kind(**values)
        except TypeError:
            return None  # an answer stored without a field it needs counts as not given

    @property
    def terms(self) -> TermsAnswer | None:
        return self._read(TERMS, TermsAnswer)

    @property
    def package(self) -> PackageAnswer | None:
        return self._read(PACKAGE, PackageAnswer)

    @property
    def method(self) -> MethodAnswer | None:
        return self._read(METHOD, MethodAnswer)

    @property
    def login(self) -> LoginAnswer | None:
        return self._read(LOGIN, LoginAnswer)

    @property
    def validation(self) -> ValidationAnswer | None:
        return self._read(VALIDATION, ValidationAnswer)

    @property
    def entities(self) -> EntitiesAnswer | None:
        return self._read(ENTITIES, EntitiesAnswer)

    def __bool__(self) -> bool:
        return bool(self._raw)

    def __repr__(self) -> str:
        return f"Answers({sorted(self._raw)})"


def _plain(values: dict) -> dict:
    """JSON-ready values: tuples become lists."""
    return {key: list(value) if isinstance(value, tuple) else value for key, value in values.items()}
