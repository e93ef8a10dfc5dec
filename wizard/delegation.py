"""Handing the Nmbrs part to the client's Nmbrs administrator ("Stuur dit naar mijn Nmbrs-beheerder").

The contact who got the invite enters their administrator's address. The administrator gets
a link of their own (signed, expiring, revocable, in the language the contact chose) that
opens only the Nmbrs part of the onboarding: the steps whose ``roles`` include
``Role.NMBRS_ADMIN`` (a briefing with the preparation guide, the method, the credentials or
consent, the check). Never the terms or the company choice. When the check passes the
delegation is finished and the contact is emailed to choose the companies.

Everything is in the audit trail: ``delegation.*`` events (naming the delegation by its public
id; the administrator's address stays in the ``delegation`` row, out of the audit details), and
what the administrator does in their session as ``Actor.DELEGATE``. An onboarding may email administrators at most
``DELEGATION_EMAILS_PER_HOUR`` times an hour (a domain rule, apart from any HTTP rate limit).
"""
from __future__ import annotations

import hmac
import logging
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from itsdangerous import BadData

from wizard.connection.registry import method_named
from wizard.connection.token.advice import NMBRS_USER_TEMPLATE
from wizard.connection.validation import validation_passed
from wizard.extensions import db
from wizard.invites.delegation_links import (current_delegation, delegation_link_values,  # noqa: F401
                                             issue_delegation_link, nonce_hash)
from wizard.invites.links import MAX_TOKEN_LENGTH, InviteError, InviteProblem
from wizard.mail import cancel_pending_emails, send_onboarding_email
from wizard.models import (Actor, Delegation, DelegationState, MailMessage, Onboarding,
                           OnboardingStatus, ValidationRun, record_event, signatory_name)
from wizard.models.base import utcnow
from wizard.tokens import DELEGATION_SALT, serializer

log = logging.getLogger(__name__)

#: The contact's step that shows the delegation (``wizard.steps.delegation``).
STEP = "delegation"
INVITE_MAIL = "delegation_invite"
FINISHED_MAIL = "delegation_finished"
LANGUAGES = ("nl", "en")


class DelegationRefused(Exception):
    """A rule refused handing over the Nmbrs part; ``str(exc)`` is safe to show the contact."""


class DelegationLimitReached(DelegationRefused):
    """Too many emails to administrators this hour; ``retry_at`` says when one may go again."""

    def __init__(self, message: str, retry_at: datetime):
        super().__init__(message)
        self.retry_at = retry_at


class DelegationLinkError(InviteError):
    """An administrator's link was refused; ``delegation`` is set when it is known."""

    def __init__(self, problem: InviteProblem, delegation: Delegation | None = None):
        super().__init__(problem, delegation.onboarding if delegation else None)
        self.delegation = delegation

    @property
    def language(self) -> str | None:
        return self.delegation.language if self.delegation else None


def open_delegation(onboarding: Onboarding) -> Delegation | None:
    """The delegation the administrator may work on now, if any."""
    delegation = current_delegation(onboarding)
    return delegation if delegation is not None and delegation.state is DelegationState.OPEN else None


def can_delegate(onboarding: Onboarding) -> bool:
    """The contact may hand the Nmbrs part over: the onboarding is open, every step before the
    Nmbrs part is done (the terms, the package), and the check has not passed yet."""
    from wizard.steps.base import Role
    from wizard.steps.flow import current_machine  # the steps use this service

    if not onboarding.is_open or validation_passed(onboarding):
        return False
    steps = [s for s in current_machine().applicable(onboarding) if s.name != STEP]
    nmbrs_part = next((s for s in steps if Role.NMBRS_ADMIN in s.roles), None)
    return nmbrs_part is not None and all(s.is_complete(onboarding)
                                          for s in steps[:steps.index(nmbrs_part)])


def emails_this_hour(onboarding: Onboarding, now: datetime) -> list[datetime]:
    """When the emails to administrators of the last hour were made, oldest first."""
    return list(db.session.scalars(
        db.select(MailMessage.created_at).filter_by(onboarding_id=onboarding.id, kind=INVITE_MAIL)
        .filter(MailMessage.created_at > now - timedelta(hours=1))
        .order_by(MailMessage.created_at)))


def _check_limit(onboarding: Onboarding, now: datetime) -> None:
    sent = emails_this_hour(onboarding, now)
    limit = current_app.config["DELEGATION_EMAILS_PER_HOUR"]
    if len(sent) >= limit:
        retry_at = sent[0] + timedelta(hours=1)
        record_event(onboarding, Actor.CLIENT, "delegation.limited", emails=len(sent))
        db.session.commit()
        raise DelegationLimitReached(f"limit of {limit} emails an hour reached", retry_at)


def delegate(onboarding: Onboarding, *, email: str, language: str, name: str | None = None,
             actor: Actor = Actor.CLIENT) -> Delegation:
    """Send the Nmbrs part to the administrator at ``email`` (commits; emails them).

    The same address again gets a fresh link (the previous one stops working); another
    address takes the place of the open delegation, whose link stops working.
    """
    if not can_delegate(onboarding):
        raise DelegationRefused("the Nmbrs part cannot be handed over at this point")
    try:
        email = validate_email((email or "").strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise DelegationRefused("the administrator's email address is not valid") from None
    if language not in LANGUAGES:
        raise DelegationRefused(f"language must be one of {', '.join(LANGUAGES)}")
    now = utcnow()
    _check_limit(onboarding, now)
    current = open_delegation(onboarding)
    if current is not None and current.email.lower() == email.lower():
        delegation = current
    else:
        if current is not None:
            _revoke(current, actor, reason="replaced")
        delegation = Delegation(onboarding=onboarding, email=email, created_at=now)
        db.session.add(delegation)
    delegation.name = " ".join((name or "").split())[:200] or None
    delegation.language = language
    delegation.expires_at = min(now + timedelta(days=current_app.config["DELEGATION_LINK_DAYS"]),
                                onboarding.expires_at)
    db.session.flush()
    record_event(onboarding, actor, "delegation.sent", delegation=delegation.public_id,
                 language=language, expires_at=delegation.expires_at.isoformat(),
                 again=delegation is current)
    _email_administrator(delegation)
    return delegation


def resend_delegation(onboarding: Onboarding, *, actor: Actor = Actor.CLIENT) -> Delegation:
    """Email the administrator a fresh link to the current delegation (commits)."""
    delegation = current_delegation(onboarding)
    if delegation is None or delegation.state is DelegationState.FINISHED:
        raise DelegationRefused("there is no delegation to send again")
    return delegate(onboarding, email=delegation.email, name=delegation.name,
                    language=delegation.language, actor=actor)


def revoke_delegation(onboarding: Onboarding, *, actor: Actor = Actor.CLIENT) -> None:
    """Take the Nmbrs part back: the administrator's link and session stop working (commits)."""
    delegation = current_delegation(onboarding)
    if delegation is None or delegation.state is DelegationState.FINISHED:
        return
    _revoke(delegation, actor, reason="taken_back")
    db.session.commit()


def _revoke(delegation: Delegation, actor: Actor, *, reason: str) -> None:
    delegation.revoked_at = utcnow()
    delegation.nonce_hash = None
    cancel_pending_emails(delegation.onboarding, INVITE_MAIL)
    record_event(delegation.onboarding, actor, "delegation.revoked",
                 delegation=delegation.public_id, reason=reason)


def _email_administrator(delegation: Delegation) -> None:
    onboarding = delegation.onboarding
    send_onboarding_email(
        onboarding, INVITE_MAIL, to=delegation.email, language=delegation.language,
        administrator=delegation.name, requester=signatory_name(onboarding),
        requester_email=onboarding.contact_email, nmbrs_template=NMBRS_USER_TEMPLATE,
        consent=method_named("oauth").is_available(),
        **{"link": issue_delegation_link(delegation), "link_expires_at": delegation.expires_at})


def redeem_delegation_link(token: str, *, now: datetime | None = None) -> Delegation:
    """The delegation an administrator's link opens, or ``DelegationLinkError`` saying why not."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise DelegationLinkError(InviteProblem.MALFORMED)
    try:
        payload = serializer(DELEGATION_SALT).loads(token)
    except BadData:
        raise DelegationLinkError(InviteProblem.MALFORMED) from None
    if not (isinstance(payload, dict) and isinstance(payload.get("d"), str)
            and isinstance(payload.get("n"), str) and isinstance(payload.get("x"), int)):
        raise DelegationLinkError(InviteProblem.MALFORMED)
    delegation = db.session.execute(
        db.select(Delegation).filter_by(public_id=payload["d"])).scalar_one_or_none()
    if delegation is None:
        raise DelegationLinkError(InviteProblem.UNKNOWN)
    onboarding, now = delegation.onboarding, now or utcnow()
    if onboarding.status is OnboardingStatus.COMPLETED:
        raise DelegationLinkError(InviteProblem.COMPLETED, delegation)
    if delegation.revoked_at is not None or onboarding.status is OnboardingStatus.REVOKED:
        raise DelegationLinkError(InviteProblem.REVOKED, delegation)
    if not hmac.compare_digest(delegation.nonce_hash or "", nonce_hash(payload["n"])):
        raise DelegationLinkError(InviteProblem.REPLACED, delegation)
    if now.timestamp() >= payload["x"] or now >= delegation.expires_at or not onboarding.is_open:
        raise DelegationLinkError(InviteProblem.EXPIRED, delegation)
    return delegation


def record_delegation_opened(delegation: Delegation) -> None:
    """The administrator opened their link (the first time only; the caller commits)."""
    if delegation.opened_at is None:
        delegation.opened_at = utcnow()
        record_event(delegation.onboarding, Actor.DELEGATE, "delegation.opened",
                     delegation=delegation.public_id)


def start_delegated_part(onboarding: Onboarding) -> None:
    """The administrator read the briefing and begins (not committed)."""
    delegation = open_delegation(onboarding)
    if delegation is None:
        raise DelegationRefused("this link no longer works")
    if delegation.started_at is None:
        delegation.started_at = utcnow()
        record_event(onboarding, Actor.DELEGATE, "delegation.started",
                     delegation=delegation.public_id)


def finish_delegation(onboarding: Onboarding) -> Delegation | None:
    """The check passed: the Nmbrs part is done; tell the contact to choose the companies.

    Commits; idempotent (returns None when no open delegation is waiting for it).
    """
    delegation = open_delegation(onboarding)
    if delegation is None or not validation_passed(onboarding):
        return None
    delegation.finished_at = utcnow()
    record_event(onboarding, Actor.DELEGATE, "delegation.finished", delegation=delegation.public_id)
    send_onboarding_email(onboarding, FINISHED_MAIL, administrator=delegation.name or delegation.email,
                          administrator_email=delegation.email)
    return delegation


def finish_when_checked(sender, *, onboarding: Onboarding, run: ValidationRun, **_) -> None:
    """After a check in the background: a passing check finishes an open delegation."""
    if not run.required_ok or open_delegation(onboarding) is None:
        return
    try:
        finish_delegation(onboarding)
    except Exception:  # noqa: BLE001 - a background thread has nobody to raise to
        db.session.rollback()
        log.exception("could not finish the delegation of onboarding %s", onboarding.id)
