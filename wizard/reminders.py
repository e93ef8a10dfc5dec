"""Reminder emails to clients who stopped, sent by the delivery worker.

Two rules, both in ``WIZARD_*`` settings:

- **idle**: an open onboarding without a client action for each of
  ``REMINDER_DAYS`` (e.g. 3 and 7 days) gets a reminder; a new client action
  starts a new stall, which can earn its own reminders;
- **expiry**: ``REMINDER_BEFORE_EXPIRY_DAYS`` before the link expires, one last
  reminder (again after support extends the expiry).

A reminder says where the client stopped and what they still need (from the
newest validation run: "2 API-rechten ontbreken nog"), in their language, with a
fresh link (the previous link stops working, as after a resend). Never after
completion, revocation or expiry, never when support switched reminders off for
the onboarding, and never the same reminder twice: each is a ``reminder`` row
whose unique key (onboarding, rule, the moment it refers to) is claimed before
the email is sent, so two workers cannot both send it. One run sends at most
one email per onboarding; rules that fall due together share it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.exc import IntegrityError

from wizard.extensions import db
from wizard.mail import cancel_pending_emails, send_onboarding_email
from wizard.models import (Actor, Onboarding, OnboardingStatus, Reminder, SupportActor,
                           ValidationRun, record_event)
from wizard.models.base import utcnow

log = logging.getLogger(__name__)

MAIL_KIND = "reminder"
EXPIRY = "expiry"
OPEN = (OnboardingStatus.INVITED, OnboardingStatus.IN_PROGRESS)


def idle_slot(days: float) -> str:
    return f"idle-{days:g}"


@dataclass
class ReminderRun:
    """What one ``send_due_reminders`` call did, by onboarding id."""

    sent: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)


def _not_sent(slot: str, anchor) -> object:
    return ~exists().where(Reminder.onboarding_id == Onboarding.id, Reminder.slot == slot,
                           Reminder.anchor == anchor)


def _due_slots(onboarding: Onboarding, now: datetime) -> list[tuple[str, datetime, float]]:
    """Every rule due for this onboarding now: (slot, anchor, days), the expiry rule first."""
    config = current_app.config
    due = []
    before = config["REMINDER_BEFORE_EXPIRY_DAYS"]
    if before > 0 and onboarding.expires_at - timedelta(days=before) <= now:
        due.append((EXPIRY, onboarding.expires_at, before))
    for days in sorted(config["REMINDER_DAYS"], reverse=True):
        if onboarding.last_activity_at <= now - timedelta(days=days):
            due.append((idle_slot(days), onboarding.last_activity_at, days))
    return due


def _candidates(now: datetime) -> list[Onboarding]:
    """Open onboardings with reminders on and at least one rule due and not yet sent (one query)."""
    config = current_app.config
    rules = [and_(Onboarding.last_activity_at <= now - timedelta(days=days),
                  _not_sent(idle_slot(days), Onboarding.last_activity_at))
             for days in config["REMINDER_DAYS"]]
    before = config["REMINDER_BEFORE_EXPIRY_DAYS"]
    if before > 0:
        rules.append(and_(Onboarding.expires_at <= now + timedelta(days=before),
                          _not_sent(EXPIRY, Onboarding.expires_at)))
    if not rules:
        return []
    return list(db.session.scalars(
        select(Onboarding).where(Onboarding.status.in_(OPEN), Onboarding.expires_at > now,
                                 Onboarding.reminders_enabled.is_(True), or_(*rules))
        .order_by(Onboarding.id)))


def what_they_need(onboarding: Onboarding) -> dict:
    """Where the client stopped and what is missing, as storable (JSON, non-secret) values."""
    from wizard.progress import position
    from wizard.reporting.overview import missing_required
    from wizard.steps.flow import current_machine

    machine = current_machine()
    steps = machine.applicable(onboarding)  # counted as the page's "Stap 5 van 7" counts them
    current = position(onboarding)
    number = next((i for i, step in enumerate(steps, start=1) if step.name == current), None)
    run = db.session.scalar(select(ValidationRun).filter_by(onboarding_id=onboarding.id)
                            .order_by(ValidationRun.id.desc()).limit(1))
    missing = list(missing_required(run.checks)) if run and run.authenticated else []
    return {"step": current, "step_number": number, "step_count": len(steps),
            "missing_rights": missing, "started": onboarding.first_opened_at is not None}


def send_due_reminders(now: datetime | None = None) -> ReminderRun:
    """Send every reminder that is due now (the worker calls this each cycle; commits)."""
    now = now or utcnow()
    run = ReminderRun()
    for onboarding in _candidates(now):
        due = [slot for slot in _due_slots(onboarding, now) if not _already_sent(onboarding, slot)]
        if not due or not _claim(onboarding, due):
            run.skipped.append(onboarding.id)
            continue
        slot, _anchor, days = due[0]
        reason = "expiry" if slot == EXPIRY else "idle"
        record_event(onboarding, Actor.SYSTEM, "reminder.sent", slot=slot, days=days)
        message = send_onboarding_email(onboarding, MAIL_KIND, reason=reason, days=days,
                                        **what_they_need(onboarding))
        db.session.execute(update(Reminder).where(
            Reminder.onboarding_id == onboarding.id, Reminder.slot.in_([s for s, _, _ in due]),
            Reminder.mail_message_id.is_(None)).values(mail_message_id=message.id))
        db.session.commit()
        log.info("reminder %s for onboarding %s: email %s", slot, onboarding.id, message.id)
        run.sent.append(onboarding.id)
    return run


def _already_sent(onboarding: Onboarding, slot: tuple[str, datetime, float]) -> bool:
    name, anchor, _days = slot
    return db.session.scalar(select(exists().where(
        Reminder.onboarding_id == onboarding.id, Reminder.slot == name, Reminder.anchor == anchor)))


def _claim(onboarding: Onboarding, due: list[tuple[str, datetime, float]]) -> bool:
    """Write the reminder rows first; False when another worker already claimed them."""
    for name, anchor, _days in due:
        db.session.add(Reminder(onboarding_id=onboarding.id, slot=name, anchor=anchor))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def set_reminders(onboarding: Onboarding, enabled: bool, *, actor: Actor | SupportActor) -> None:
    """Switch reminders on or off for one onboarding (commits); off cancels unsent ones."""
    if onboarding.reminders_enabled == enabled:
        return
    onboarding.reminders_enabled = enabled
    if not enabled:
        cancel_pending_emails(onboarding, MAIL_KIND)
    record_event(onboarding, actor, "reminders.enabled" if enabled else "reminders.disabled")
    db.session.commit()
