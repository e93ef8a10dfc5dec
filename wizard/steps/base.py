"""The step contract and the machine that orders steps; imports no step.

A step is a small object that knows its name (the URL slug), its title, its
template and form, when it applies, when it is complete, and how to save a
valid form. ``StepMachine`` answers every ordering question (first unfinished
step, next, previous, availability) so views and templates never do step
arithmetic. The declared list of steps lives in ``wizard.steps.flow``.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Iterable

from flask_wtf import FlaskForm

from wizard.models import Onboarding


class Role(str, Enum):
    """Whom a browser session acts for (``wizard.client_session``)."""

    CONTACT = "contact"          # the person the invite went to
    NMBRS_ADMIN = "nmbrs_admin"  # the Nmbrs administrator the contact handed the Nmbrs part to


CONTACT_ONLY = frozenset({Role.CONTACT})
NMBRS_ADMIN_ONLY = frozenset({Role.NMBRS_ADMIN})
#: The Nmbrs part: the contact walks it, or hands it to their Nmbrs administrator.
NMBRS_PART = frozenset({Role.CONTACT, Role.NMBRS_ADMIN})


class Step:
    """Contract for one wizard step.

    Subclasses set ``name``, ``title`` and ``template`` and may override:
    ``form_class`` (a FlaskForm; the default has only CSRF and a submit),
    ``applies`` (whether this onboarding goes through the step at all),
    ``is_complete`` (derived from stored data, never from the request),
    ``context`` (extra template variables), ``initial`` (form defaults) and
    ``save`` (apply a valid form to the onboarding; raise ``StepError`` to
    show a message without saving anything, or return an ``ExternalRedirect``
    to send the browser elsewhere, e.g. to log in at Nmbrs).
    """

    name: str
    title: str
    template: str
    form_class: type[FlaskForm] = FlaskForm
    #: Steps that finish the onboarding when saved (the last step before "done").
    completes_onboarding: bool = False
    #: Side actions besides saving, posted to ``/onboarding/<name>/<action>`` (e.g. "check");
    #: ``perform`` carries them out, then the step is shown again.
    actions: tuple[str, ...] = ()
    #: A hard step (logging in at Nmbrs, missing rights, choosing companies) shows "Hulp nodig?"
    #: with support's contact details.
    offers_help: bool = False
    #: Who walks the step: the contact (the default), their Nmbrs administrator, or both.
    roles: frozenset[Role] = CONTACT_ONLY

    def applies(self, onboarding: Onboarding) -> bool:
        return True

    def is_complete(self, onboarding: Onboarding) -> bool:
        return onboarding.answers.has(self.name)

    def context(self, onboarding: Onboarding) -> dict:
        return {}

    def initial(self, onboarding: Onboarding) -> dict:
        return {}

    def save(self, onboarding: Onboarding, form: FlaskForm) -> "ExternalRedirect | None":
        onboarding.answers.record(self.name)
        return None

    def perform(self, action: str, onboarding: Onboarding) -> "ExternalRedirect | None":
        raise NotImplementedError(action)


class StepError(Exception):
    """A valid-looking submission that the domain refuses; the message is shown to the client.

    ``field`` names the field the message belongs to (else it belongs to the whole form);
    ``also`` marks more fields, each with its own message (a wrong username or token: Nmbrs
    cannot tell which, so both are marked).
    """

    def __init__(self, message: str, field: str | None = None, also: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.also = dict(also or {})

    def field_messages(self) -> dict[str | None, str]:
        """Every message by the field it belongs to (``None``: the whole form)."""
        return {self.field: self.message, **self.also}


@dataclass(frozen=True)
class ExternalRedirect:
    """Saving the step continues on another site (e.g. Nmbrs' login); the view redirects there."""

    url: str


@dataclass(frozen=True)
class StepState:
    """What the progress indicator needs to know about one step."""

    step: Step
    number: int
    complete: bool
    available: bool
    current: bool


class StepMachine:
    """Ordering rules over a declared list of steps, for one onboarding at a time."""

    def __init__(self, steps: Iterable[Step]):
        self.steps = tuple(steps)
        names = [s.name for s in self.steps]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate step names in {names}")
        self._by_role: dict[Role, StepMachine] = {}

    def for_role(self, role: Role) -> "StepMachine":
        """The machine over the steps ``role`` walks (this one when they walk them all)."""
        if all(role in step.roles for step in self.steps):
            return self
        if role not in self._by_role:
            self._by_role[role] = StepMachine(s for s in self.steps if role in s.roles)
        return self._by_role[role]

    def get(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)

    def applicable(self, onboarding: Onboarding) -> list[Step]:
        return [s for s in self.steps if s.applies(onboarding)]

    def first_unfinished(self, onboarding: Onboarding) -> Step:
        """The step the client should be on: the first incomplete one (or the last step)."""
        steps = self.applicable(onboarding)
        return next((s for s in steps if not s.is_complete(onboarding)), steps[-1])

    def is_available(self, onboarding: Onboarding, step: Step) -> bool:
        """A step may be shown when it applies and every step before it is complete."""
        steps = self.applicable(onboarding)
        if step not in steps:
            return False
        return all(s.is_complete(onboarding) for s in steps[: steps.index(step)])

    def next(self, onboarding: Onboarding, step: Step) -> Step | None:
        steps = self.applicable(onboarding)
        index = steps.index(step)
        return steps[index + 1] if index + 1 < len(steps) else None

    def previous(self, onboarding: Onboarding, step: Step) -> Step | None:
        steps = self.applicable(onboarding)
        index = steps.index(step)
        return steps[index - 1] if index > 0 else None

    def incomplete_before(self, onboarding: Onboarding, step: Step) -> list[Step]:
        """Steps before ``step`` that are not complete (re-checked before finishing)."""
        steps = self.applicable(onboarding)
        return [s for s in steps[: steps.index(step)] if not s.is_complete(onboarding)]

    def states(self, onboarding: Onboarding, current: Step) -> list[StepState]:
        states, blocked = [], False
        for number, step in enumerate(self.applicable(onboarding), start=1):
            complete = step.is_complete(onboarding)
            states.append(StepState(step, number, complete, not blocked, step is current))
            blocked = blocked or not complete
        return states
