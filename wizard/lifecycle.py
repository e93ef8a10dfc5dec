"""The onboarding lifecycle: create, start, save a step, complete. Raises, never renders.

Imports nothing from the web layer, so the CLI, the invite service and the views can all use it.
"""
from __future__ import annotations

from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app

from wizard.connection.summary import completion_email_context
from wizard.extensions import db
from wizard.handoff.service import HandoffError, enqueue_handoff
from wizard.mail import send_onboarding_email
from wizard.models import Actor, Onboarding, OnboardingStatus, record_event
from wizard.models.base import utcnow
from wizard.nmbrs import available_profiles
from wizard.steps.base import ExternalRedirect, Step

LANGUAGES = ("nl", "en")


class OnboardingError(Exception):
    """A domain rule refused the operation; ``str(exc)`` is safe to show."""


class AlreadyCompleted(OnboardingError):
    """Another request completed this onboarding first (a double click, a second tab)."""


class IncompleteOnboarding(OnboardingError):
    """Finishing was refused because earlier steps are no longer complete; ``steps`` names them."""

    def __init__(self, steps: list[Step]):
        super().__init__("steps not complete: " + ", ".join(s.name for s in steps))
        self.steps = steps


def create_onboarding(*, organisation: str, contact_email: str, contact_name: str | None = None,
                      language: str = "nl", profile: str = "payroll", expires_days: int | None = None,
                      actor: Actor = Actor.SUPPORT) -> Onboarding:
    """Create an onboarding for one client organisation (not yet committed)."""
    organisation = " ".join((organisation or "").split())
    if not organisation:
        raise OnboardingError("organisation is required")
    if len(organisation) > 200:
        raise OnboardingError("organisation name is longer than 200 characters")
    try:
        contact_email = validate_email((contact_email or "").strip(),
                                       check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise OnboardingError(f"contact email address is not valid: {error}") from None
    if language not in LANGUAGES:
        raise OnboardingError(f"language must be one of {', '.join(LANGUAGES)}")
    if profile not in available_profiles():
        raise OnboardingError(f"profile must be one of {', '.join(available_profiles())}")
    days = expires_days if expires_days is not None else current_app.config["INVITE_MAX_AGE_DAYS"]
    if days < 1:
        raise OnboardingError("an invite must be valid for at least one day")
    onboarding = Onboarding(
        organisation=organisation, contact_email=contact_email,
        contact_name=" ".join((contact_name or "").split())[:200] or None, language=language, profile=profile,
        status=OnboardingStatus.INVITED, raw_answers={},
        expires_at=utcnow() + timedelta(days=days))
    db.session.add(onboarding)
    db.session.flush()
    record_event(onboarding, actor, "onboarding.created", organisation=organisation,
                 language=language, profile=profile)
    return onboarding


def start_onboarding(onboarding: Onboarding) -> None:
    """The client opened their link: the onboarding is in progress."""
    if onboarding.status is OnboardingStatus.INVITED:
        onboarding.status = OnboardingStatus.IN_PROGRESS
        record_event(onboarding, Actor.CLIENT, "onboarding.started")


def save_step(onboarding: Onboarding, step: Step, form) -> ExternalRedirect | None:
    """Apply a valid step form; finish the onboarding when the step says so and is complete.

    Returns the step's ``ExternalRedirect`` when saving continues on another site.
    """
    outcome = step.save(onboarding, form)
    if isinstance(outcome, ExternalRedirect) or not step.is_complete(onboarding):
        return outcome  # e.g. off to Nmbrs to log in, or an unsupported package
    record_event(onboarding, Actor.CLIENT, "step.completed", step=step.name)
    if step.completes_onboarding:
        complete_onboarding(onboarding)
    return None


def next_revision(onboarding: Onboarding) -> int:
    """The connection's next hand-off number: 1 for a first journey, one past the highest so far."""
    if onboarding.parent_id is None:
        return 1
    highest = db.session.scalar(
        db.select(db.func.max(Onboarding.revision)).where(
            db.or_(Onboarding.id == onboarding.parent_id,
                   Onboarding.parent_id == onboarding.parent_id),
            Onboarding.id != onboarding.id))
    return (highest or 0) + 1


def complete_onboarding(onboarding: Onboarding) -> None:
    """Mark the onboarding complete after re-checking every step before "done".

    The status changes with one conditional UPDATE, so of several requests finishing at once
    exactly one wins; the others raise ``AlreadyCompleted`` and change nothing.
    """
    if onboarding.status is OnboardingStatus.COMPLETED:
        return
    from wizard.steps.flow import current_machine  # steps use services that use this module

    machine = current_machine()
    missing = machine.incomplete_before(onboarding, machine.get("done"))
    if missing:
        raise IncompleteOnboarding(missing)
    values = {"status": OnboardingStatus.COMPLETED, "completed_at": utcnow(),
              "revision": next_revision(onboarding)}
    claimed = db.session.execute(
        db.update(Onboarding)
        .where(Onboarding.id == onboarding.id, Onboarding.status != OnboardingStatus.COMPLETED)
        .values(**values).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise AlreadyCompleted("another request completed this onboarding first")
    for name, value in values.items():
        setattr(onboarding, name, value)
    record_event(onboarding, Actor.CLIENT, "onboarding.completed")
    try:
        # Same transaction as the status change: completed means the hand-off is queued.
        enqueue_handoff(onboarding)
    except HandoffError as error:
        raise OnboardingError(f"cannot hand off: {error}") from None
    # Last: sending records the email and commits the session before talking to the mail server.
    send_onboarding_email(onboarding, "completed", **completion_email_context(onboarding))
