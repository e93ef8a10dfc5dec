"""Stopping at missing rights is fine: progress is saved, and we say so by email too.

When a check finds required rights missing, the person working on it (the contact, or the
Nmbrs administrator they handed the Nmbrs part to) gets a short "waar je gebleven bent":
which rights are missing, how to switch them on, and that the same link brings them back
to the check. Once per finding: a check that finds the same rights missing again, or the
page being viewed again, sends nothing.
"""
from __future__ import annotations

import logging

from wizard.delegation import open_delegation
from wizard.extensions import db
from wizard.mail import send_onboarding_email
from wizard.models import Actor, MailMessage, Onboarding, ValidationRun
from wizard.reminders import what_they_need

log = logging.getLogger(__name__)

MAIL_KIND = "missing_rights"


def already_told(onboarding: Onboarding, recipient: str, missing: list[str]) -> bool:
    """This person was already emailed about exactly these missing rights."""
    told = db.session.scalars(db.select(MailMessage).filter_by(
        onboarding_id=onboarding.id, kind=MAIL_KIND, recipient=recipient))
    return any(sorted(message.context.get("missing_rights", [])) == missing for message in told)


def email_missing_rights(sender, *, onboarding: Onboarding, run: ValidationRun,
                         actor: Actor = Actor.CLIENT, **_) -> None:
    """After a check that found required rights missing: tell whoever ran it where they stopped."""
    if not run.authenticated or run.required_ok or not onboarding.is_open:
        return
    delegation = open_delegation(onboarding) if actor is Actor.DELEGATE else None
    recipient = delegation.email if delegation else onboarding.contact_email
    position = what_they_need(onboarding)
    missing = sorted(position["missing_rights"])
    if not missing or already_told(onboarding, recipient, missing):
        return
    try:
        send_onboarding_email(
            onboarding, MAIL_KIND, to=recipient, language=delegation.language if delegation else None,
            for_administrator=delegation is not None, method=run.method, missing_rights=missing,
            step=position["step"], step_number=position["step_number"],
            step_count=position["step_count"])
    except Exception:  # noqa: BLE001 - a background thread has nobody to raise to
        db.session.rollback()
        log.exception("could not email the missing rights of onboarding %s", onboarding.id)
