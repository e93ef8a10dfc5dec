"""Data minimisation: the wizard forgets what it no longer needs, on a schedule.

``purge_due`` applies every rule once (``flask purge``; the delivery worker runs
it every cycle):

- unfinished onboardings past ``expires_at`` become EXPIRED;
- credentials go once the sync backend confirmed the hand-off (after
  ``CREDENTIAL_RETENTION_HOURS``) and as soon as an onboarding is expired or revoked;
- a hand-off that ended failed or dead keeps its JWE and the wizard's credentials for
  ``FAILED_HANDOFF_RETENTION_DAYS`` (an operator may retry it meanwhile); then both go;
- an expired or revoked journey keeps its personal data for
  ``PERSONAL_DATA_RETENTION_DAYS`` (support may still resend an expired invite), then
  it is erased or pseudonymised: contact name and email, the Nmbrs username, answers,
  who accepted the terms from where, email recipients, and audit details. What stays
  is a skeleton without personal data: organisation, status, timestamps, event types.

Only journeys that ended unfinished are erased. A completed journey is never a
candidate, so a live connection keeps its data even when one of its re-connections
(``Onboarding.parent_id``) expired or was superseded: that journey's own copy goes,
the connection's does not.

A secret the vault cannot decrypt (a key removed too early) is reported and
skipped, never erased blindly and never allowed to stop the run; restore the key,
or erase such secrets on purpose with ``flask purge --erase-unreadable``.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Text, delete, select, type_coerce, update

from wizard.extensions import db
from wizard.handoff.payload import redact
from wizard.models import (Actor, AuditEvent, ChangeRequest, Credential, Delegation, DeviceCode,
                           EntitySnapshot, MailMessage, MailState, Onboarding, OnboardingStatus,
                           OutboxMessage, OutboxState, TermsAcceptance, TrustedDevice, ValidationRun, record_event)
from wizard.models.base import utcnow
from wizard.vault import current_vault

log = logging.getLogger(__name__)

OPEN_STATUSES = (OnboardingStatus.INVITED, OnboardingStatus.IN_PROGRESS)
ABANDONED_STATUSES = (OnboardingStatus.EXPIRED, OnboardingStatus.REVOKED)
ENDED_HANDOFF_STATES = (OutboxState.FAILED, OutboxState.DEAD)
#: What an erased contact address becomes (the ``.invalid`` top-level domain never delivers).
ERASED_EMAIL = "erased@erased.invalid"
#: Audit detail keys that never hold personal data; every other key is dropped on erasure.
AUDIT_SKELETON_KEYS = frozenset({
    "step", "version", "language", "profile", "kind", "reason", "method", "message_id",
    "attempts", "status", "run_id", "replaced", "first", "problem", "cancelled_emails",
    "expires_at", "package", "journey", "connection", "retention_days", "state"})


class UnreadableSecret(Exception):
    """The vault cannot decrypt a stored secret that is due for purging."""


def _readable(ciphertext: str | None) -> bool:
    return ciphertext is None or current_vault().can_decrypt(ciphertext.encode("ascii"))


def purge_credential(onboarding: Onboarding, *, reason: str, now: datetime | None = None,
                     erase_unreadable: bool = False) -> bool:
    """Delete the secret of an onboarding's credential (in the caller's transaction).

    False when there is none left to purge. Never decrypts more than needed to tell that the
    vault can still read it; raises ``UnreadableSecret`` when it cannot, unless ``erase_unreadable``.
    """
    now = now or utcnow()
    row = db.session.execute(
        select(Credential.id, type_coerce(Credential.secret, Text()))
        .where(Credential.onboarding_id == onboarding.id, Credential.purged_at.is_(None))).first()
    if row is None:
        return False
    if not erase_unreadable and not _readable(row[1]):
        raise UnreadableSecret(onboarding.public_id)
    result = db.session.execute(
        update(Credential).where(Credential.id == row[0], Credential.purged_at.is_(None))
        .values(secret=None, purged_at=now, updated_at=now)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    db.session.expire(onboarding, ["credential"])
    record_event(onboarding, Actor.SYSTEM, "credentials.purged", reason=reason)
    return True


@dataclass
class PurgeReport:
    expired_onboardings: int = 0
    delivered_credentials: int = 0
    abandoned_credentials: int = 0
    failed_handoffs: int = 0
    erased_onboardings: int = 0
    #: Public ids of onboardings whose secret the vault cannot decrypt (left in place).
    unreadable: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"expired_onboardings": self.expired_onboardings,
                "delivered_credentials": self.delivered_credentials,
                "abandoned_credentials": self.abandoned_credentials,
                "failed_handoffs": self.failed_handoffs,
                "erased_onboardings": self.erased_onboardings}


def _one_by_one(onboarding_ids, action, report: PurgeReport) -> int:
    """Apply ``action`` to each onboarding in its own transaction; an unreadable secret skips one."""
    done = 0
    for onboarding_id in onboarding_ids:
        onboarding = db.session.get(Onboarding, onboarding_id)
        try:
            done += bool(action(onboarding))
        except UnreadableSecret as unreadable:
            db.session.rollback()
            report.unreadable.append(str(unreadable))
            continue
        db.session.commit()
    return done


def expire_onboardings(now: datetime | None = None) -> int:
    """Unfinished onboardings past their deadline become EXPIRED (with an audit event)."""
    now = now or utcnow()
    expired = 0
    query = select(Onboarding).where(Onboarding.status.in_(OPEN_STATUSES), Onboarding.expires_at <= now)
    for onboarding in db.session.scalars(query).all():
        result = db.session.execute(
            update(Onboarding).where(Onboarding.id == onboarding.id, Onboarding.status.in_(OPEN_STATUSES))
            .values(status=OnboardingStatus.EXPIRED, updated_at=now)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            db.session.expire(onboarding)
            record_event(onboarding, Actor.SYSTEM, "onboarding.expired")
            expired += 1
    db.session.commit()
    return expired


def purge_delivered_credentials(report: PurgeReport, now: datetime, erase_unreadable: bool = False) -> int:
    """Purge credentials whose hand-off was delivered longer than the retention period ago."""
    cutoff = now - timedelta(hours=current_app.config["CREDENTIAL_RETENTION_HOURS"])
    ids = db.session.scalars(
        select(Credential.onboarding_id)
        .join(OutboxMessage, OutboxMessage.onboarding_id == Credential.onboarding_id)
        .where(OutboxMessage.state == OutboxState.DELIVERED, OutboxMessage.delivered_at <= cutoff,
               Credential.purged_at.is_(None))).all()
    return _one_by_one(ids, lambda o: purge_credential(
        o, reason="delivered", now=now, erase_unreadable=erase_unreadable), report)


def purge_abandoned_credentials(report: PurgeReport, now: datetime, erase_unreadable: bool = False) -> int:
    """Purge the credentials of expired and revoked onboardings."""
    ids = db.session.scalars(
        select(Credential.onboarding_id).join(Onboarding, Onboarding.id == Credential.onboarding_id)
        .where(Onboarding.status.in_(ABANDONED_STATUSES), Credential.purged_at.is_(None))).all()
    return _one_by_one(ids, lambda o: purge_credential(
        o, reason="abandoned", now=now, erase_unreadable=erase_unreadable), report)


def purge_failed_handoffs(report: PurgeReport, now: datetime, erase_unreadable: bool = False) -> int:
    """Failed and dead hand-offs left alone too long lose their JWE, and the wizard its credentials."""
    cutoff = now - timedelta(days=current_app.config["FAILED_HANDOFF_RETENTION_DAYS"])
    messages = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.state.in_(ENDED_HANDOFF_STATES),
                                    OutboxMessage.updated_at <= cutoff)).all()
    due = {m.onboarding_id: m for m in messages
           if m.onboarding_id is not None and "jwe" in m.payload["data"]["credentials"]}

    def purge(onboarding: Onboarding) -> bool:
        message = due[onboarding.id]
        purge_credential(onboarding, reason=f"handoff_{message.state.value}", now=now,
                         erase_unreadable=erase_unreadable)
        message.payload = redact(message.payload)
        record_event(onboarding, Actor.SYSTEM, "handoff.purged", message_id=message.message_id,
                     state=message.state.value,
                     retention_days=current_app.config["FAILED_HANDOFF_RETENTION_DAYS"])
        return True

    return _one_by_one(list(due), purge, report)


def erase_personal_data(onboarding: Onboarding, now: datetime | None = None) -> None:
    """Erase or pseudonymise one ended journey's personal data (in the caller's transaction)."""
    now = now or utcnow()
    if onboarding.status not in ABANDONED_STATUSES:
        raise ValueError("only an expired or revoked journey can be erased")
    onboarding.contact_name = None
    onboarding.contact_email = ERASED_EMAIL
    onboarding.raw_answers = {}
    onboarding.invite_nonce_hash = None
    onboarding.erased_at = now
    for acceptance in db.session.scalars(
            select(TermsAcceptance).where(TermsAcceptance.onboarding_id == onboarding.id)):
        acceptance.accepted_name = f"erased-{acceptance.id}"  # distinct: one row per person stays one
        acceptance.ip_address = acceptance.user_agent = None
    db.session.execute(update(ValidationRun).where(ValidationRun.onboarding_id == onboarding.id)
                       .values(username=None).execution_options(synchronize_session=False))
    db.session.execute(delete(EntitySnapshot).where(EntitySnapshot.onboarding_id == onboarding.id)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(ChangeRequest).where(ChangeRequest.onboarding_id == onboarding.id)
                       .values(message="").execution_options(synchronize_session=False))
    for delegation in db.session.scalars(select(Delegation).where(Delegation.onboarding_id == onboarding.id)):
        delegation.email, delegation.name, delegation.nonce_hash = ERASED_EMAIL, None, None
    for table in (TrustedDevice, DeviceCode):  # browser fingerprints (hashed) are personal too
        db.session.execute(delete(table).where(table.onboarding_id == onboarding.id)
                           .execution_options(synchronize_session=False))
    for email in db.session.scalars(select(MailMessage).where(MailMessage.onboarding_id == onboarding.id)):
        email.recipient, email.subject, email.context, email.last_error = ERASED_EMAIL, "", {}, None
        if email.state is MailState.PENDING:
            email.state, email.next_attempt_at = MailState.CANCELLED, None
    for event in db.session.scalars(select(AuditEvent).where(AuditEvent.onboarding_id == onboarding.id)):
        kept = {key: value for key, value in (event.details or {}).items() if key in AUDIT_SKELETON_KEYS}
        if kept != event.details:
            event.details = kept
    record_event(onboarding, Actor.SYSTEM, "personal_data.erased",
                 retention_days=current_app.config["PERSONAL_DATA_RETENTION_DAYS"])


def erase_ended_journeys(report: PurgeReport, now: datetime) -> int:
    """Erase the personal data of journeys that ended unfinished longer than the retention ago."""
    cutoff = now - timedelta(days=current_app.config["PERSONAL_DATA_RETENTION_DAYS"])
    ids = db.session.scalars(
        select(Onboarding.id).where(Onboarding.status.in_(ABANDONED_STATUSES),
                                    Onboarding.erased_at.is_(None), Onboarding.updated_at <= cutoff)
        .order_by(Onboarding.id)).all()
    return _one_by_one(ids, lambda o: erase_personal_data(o, now) or True, report)


def purge_due(now: datetime | None = None, erase_unreadable: bool = False) -> PurgeReport:
    """Run every retention rule once; each onboarding commits on its own."""
    now = now or utcnow()
    report = PurgeReport()
    report.expired_onboardings = expire_onboardings(now)
    report.delivered_credentials = purge_delivered_credentials(report, now, erase_unreadable)
    report.abandoned_credentials = purge_abandoned_credentials(report, now, erase_unreadable)
    report.failed_handoffs = purge_failed_handoffs(report, now, erase_unreadable)
    report.erased_onboardings = erase_ended_journeys(report, now)
    return report
