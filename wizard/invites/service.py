"""Inviting a client: create, resend, revoke, list, and record that a link was opened.

One set of functions for every way in (the CLI now; the support dashboard and
the API later). Each is a complete use case and commits: an invite email must
not leave before the onboarding it points at is stored.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from wizard.extensions import db
from wizard.connection.registry import credentials_method, method_named
from wizard.connection.token.advice import NMBRS_USER_TEMPLATE
from wizard.invites.links import issue_invite_link
from wizard.mail import cancel_pending_emails, send_onboarding_email
from wizard.journeys import (INVITE_MAIL_KIND, ReconnectionRefused, create_reconnection,
                             plan_reconnection)
from wizard.lifecycle import OnboardingError, create_onboarding
from wizard.models import (Actor, JourneyKind, MailMessage, Onboarding, OnboardingStatus,
                           SupportActor, record_event)
from wizard.models.base import utcnow

INVITE_KIND = "invite"
INVITE_KINDS = tuple(INVITE_MAIL_KIND.values())


@dataclass(frozen=True)
class Invite:
    """The result of sending an invite: the onboarding, its fresh link and the email record."""

    onboarding: Onboarding
    link: str
    email: MailMessage


def _send(onboarding: Onboarding, actor: Actor | SupportActor, event_type: str) -> Invite:
    link = issue_invite_link(onboarding)
    record_event(onboarding, actor, event_type, expires_at=onboarding.expires_at.isoformat())
    email = send_onboarding_email(onboarding, INVITE_MAIL_KIND[onboarding.kind], link=link,
                                  nmbrs_template=NMBRS_USER_TEMPLATE,
                                  consent=method_named("oauth").is_available())
    return Invite(onboarding, link, email)


def create_invite(*, organisation: str, contact_email: str, contact_name: str | None = None,
                  language: str = "nl", profile: str = "payroll", expires_days: int | None = None,
                  actor: Actor | SupportActor = Actor.SUPPORT) -> Invite:
    """Create an onboarding, issue its link and email it to the contact (commits)."""
    onboarding = create_onboarding(organisation=organisation, contact_email=contact_email,
                                   contact_name=contact_name, language=language, profile=profile,
                                   expires_days=expires_days, actor=actor)
    return _send(onboarding, actor, "invite.sent")


def resend_invite(onboarding: Onboarding, *, expires_days: int | None = None,
                  actor: Actor | SupportActor = Actor.SUPPORT) -> Invite:
    """Email a new link; the previous link stops working. Extends an expiring onboarding."""
    if onboarding.status is OnboardingStatus.COMPLETED:
        raise OnboardingError("this onboarding is completed; there is nothing to invite to")
    if onboarding.status is OnboardingStatus.REVOKED:
        raise OnboardingError("this invite was revoked; create a new invite instead")
    if onboarding.erased_at is not None:
        raise OnboardingError("this onboarding's personal data was erased after the retention "
                              "period; create a new invite instead")
    days = expires_days if expires_days is not None else current_app.config["INVITE_MAX_AGE_DAYS"]
    if days < 1:
        raise OnboardingError("an invite must be valid for at least one day")
    onboarding.expires_at = max(onboarding.expires_at, utcnow() + timedelta(days=days))
    if onboarding.status is OnboardingStatus.EXPIRED:
        onboarding.status = (OnboardingStatus.IN_PROGRESS if onboarding.first_opened_at
                             else OnboardingStatus.INVITED)
    return _send(onboarding, actor, "invite.resent")


def invite_reconnection(onboarding: Onboarding, kind: JourneyKind, *,
                        actor: Actor | SupportActor = Actor.SUPPORT,
                        expires_days: int | None = None) -> Invite:
    """Invite the client to give new credentials for a live connection (commits).

    ``kind`` is ``SWITCH_TO_CONSENT`` (token to "Inloggen met Nmbrs") or ``RELINK``.
    An open re-connection of the same kind gets a fresh link instead of a second journey.
    Raises ``OnboardingError`` (``ReconnectionRefused``) when the connection cannot have one.
    """
    if kind is JourneyKind.SWITCH_TO_CONSENT and not method_named("oauth").is_available():
        raise OnboardingError("\"Inloggen met Nmbrs\" is not configured here "
                              "(WIZARD_NMBRS_OAUTH_CLIENT_ID and friends)")
    try:
        existing = plan_reconnection(onboarding, kind)
        if existing is not None:
            return resend_invite(existing, expires_days=expires_days, actor=actor)
        journey = create_reconnection(onboarding, kind, actor=actor, expires_days=expires_days)
    except ReconnectionRefused as refusal:
        raise OnboardingError(str(refusal)) from None
    return _send(journey, actor, "invite.sent")


def copy_invite_link(onboarding: Onboarding, *, actor: Actor | SupportActor = Actor.SUPPORT) -> str:
    """A fresh link for support to pass on by hand, without an email (commits).

    Issued like a resend's: every earlier link stops working, and unsent invite
    emails are cancelled (their retry would replace this link). The link is
    returned once and never stored.
    """
    if not onboarding.is_open:
        raise OnboardingError("only an open invite has a link; resend an expired one instead")
    link = issue_invite_link(onboarding)
    for kind in INVITE_KINDS:
        cancel_pending_emails(onboarding, kind)
    record_event(onboarding, actor, "invite.link_copied",
                 expires_at=onboarding.expires_at.isoformat())
    db.session.commit()
    return link


def revoke_invite(onboarding: Onboarding, *, actor: Actor | SupportActor = Actor.SUPPORT) -> None:
    """Withdraw an invite: its link and any session on it stop working (commits)."""
    if onboarding.status is OnboardingStatus.COMPLETED:
        raise OnboardingError("this onboarding is completed and cannot be revoked")
    if onboarding.status is OnboardingStatus.REVOKED:
        return
    onboarding.status = OnboardingStatus.REVOKED
    onboarding.invite_nonce_hash = None
    cancelled = cancel_pending_emails(onboarding)
    record_event(onboarding, actor, "invite.revoked", cancelled_emails=cancelled)
    db.session.commit()
    method = credentials_method(onboarding)
    if method is not None and method.has_credentials(onboarding):
        method.release(onboarding)  # e.g. end an OAuth grant at Nmbrs: it will never be used


def find_onboarding(reference: str) -> Onboarding | None:
    """An onboarding by its numeric id or its public id (what support types)."""
    reference = (reference or "").strip()
    if reference.isdigit():
        return db.session.get(Onboarding, int(reference))
    return db.session.execute(
        db.select(Onboarding).filter_by(public_id=reference)).scalar_one_or_none()


@dataclass(frozen=True)
class InviteSummary:
    """One row of the invite overview; holds nothing secret."""

    id: int
    public_id: str
    organisation: str
    contact_email: str
    status: str
    expires_at: datetime
    first_opened_at: datetime | None
    last_opened_at: datetime | None
    email: MailMessage | None


def latest_invite_email(onboarding: Onboarding) -> MailMessage | None:
    """The most recent invite email recorded for an onboarding."""
    return onboarding.mail_messages.filter(MailMessage.kind.in_(INVITE_KINDS)).order_by(
        MailMessage.created_at.desc(), MailMessage.id.desc()).first()


def invite_overview(limit: int = 200) -> list[InviteSummary]:
    """The newest onboardings with their invite's state, for support."""
    onboardings = db.session.execute(
        db.select(Onboarding).order_by(Onboarding.created_at.desc(), Onboarding.id.desc())
        .limit(limit)).scalars()
    return [
        InviteSummary(
            id=o.id, public_id=o.public_id, organisation=o.organisation,
            contact_email=o.contact_email,
            status="expired" if o.is_expired else o.status.value,
            expires_at=o.expires_at, first_opened_at=o.first_opened_at,
            last_opened_at=o.last_opened_at, email=latest_invite_email(o))
        for o in onboardings
    ]
