"""The wizard's steps as data: the one ordered list, and the machine over it.

Adding a step is one entry in ``STEPS``, a form and a template. Steps that do
not apply to an onboarding (another connection method, a re-connection that
skips what is already known) say so in ``Step.applies``.
"""
from __future__ import annotations

from flask import current_app

from wizard.steps.base import Step, StepMachine
from wizard.steps.consent import ConsentStep
from wizard.steps.credentials import CredentialsStep
from wizard.steps.done import DoneStep
from wizard.steps.entities import EntitiesStep
from wizard.steps.method import MethodStep
from wizard.steps.package import PackageStep
from wizard.steps.terms import TermsStep
from wizard.steps.validation import ValidationStep
from wizard.steps.welcome_back import WelcomeBackStep

STEPS: tuple[Step, ...] = (
    WelcomeBackStep(),
    TermsStep(),
    PackageStep(),
    MethodStep(),
    ConsentStep(),
    CredentialsStep(),
    ValidationStep(),
    EntitiesStep(),
    DoneStep(),
)

machine = StepMachine(STEPS)


def current_machine() -> StepMachine:
    """The app's step machine (tests may install another flow in ``app.extensions``)."""
    return current_app.extensions.get("step_machine", machine)


def step_title(name: str) -> str:
    """A step's title in the current language, by name (emails and support pages name steps)."""
    step = current_machine().get(name or "")
    return str(step.title) if step else (name or "")
