"""The wizard's steps as data: the one ordered list, and the machine over it.

Adding a step is one entry in ``STEPS``, a form and a template. Steps that do
not apply to an onboarding (another connection method, a re-connection that
skips what is already known) say so in ``Step.applies``; who walks a step (the
contact, or the Nmbrs administrator they handed the Nmbrs part to) is its
``roles``, and each role walks the machine ``for_role`` gives.
"""
from __future__ import annotations

from flask import current_app

from wizard.steps.base import Role, Step, StepMachine
from wizard.steps.consent import ConsentStep
from wizard.steps.credentials import CredentialsStep
from wizard.steps.delegation import BriefingStep, DelegationStep, HandbackStep
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
    DelegationStep(),   # the contact, once they handed the Nmbrs part to their administrator
    BriefingStep(),     # the administrator: who asks what
    MethodStep(),
    ConsentStep(),
    CredentialsStep(),
    ValidationStep(),
    HandbackStep(),     # the administrator: done, back to the contact
    EntitiesStep(),
    DoneStep(),
)

machine = StepMachine(STEPS)


def current_machine(role: Role = Role.CONTACT) -> StepMachine:
    """The app's step machine for ``role`` (tests may install another flow in ``app.extensions``)."""
    return current_app.extensions.get("step_machine", machine).for_role(role)


def step_title(name: str) -> str:
    """A step's title in the current language, by name (emails and support pages name steps)."""
    step = current_app.extensions.get("step_machine", machine).get(name or "")
    return str(step.title) if step else (name or "")
