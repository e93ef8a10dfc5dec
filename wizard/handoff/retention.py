"""Data minimisation: the wizard forgets credentials it no longer needs.

Credentials are purged once the sync backend confirmed the hand-off (after
``CREDENTIAL_RETENTION_HOURS``), and when an onboarding is abandoned: expired
unfinished onboardings become EXPIRED, and revoked or expired ones lose their
credentials. Only non-secret metadata (method, timestamps) stays.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from wizard.extensions import db
from wizard.models import Actor, Credential, Onboarding, OnboardingStatus, OutboxMessage, OutboxState, record_event
from wizard.models.base import utcnow

OPEN_STATUSES = (OnboardingStatus.INVITED, OnboardingStatus.IN_PROGRESS)
ABANDONED_STATUSES = (OnboardingStatus.EXPIRED, OnboardingStatus.REVOKED)


def purge_credential(credential: Credential, *, reason: str, now: datetime | None = None) -> bool:
    """Delete the secret of one credential (in the caller's transaction); False if already gone."""
    now = now or utcnow()
    result = db.session.execute(
        update(Credential).where(Credential.id == credential.id, Credential.purged_at.is_(None))
        .values(secret=None, purged_at=now, updated_at=now)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    db.session.expire(credential)
    record_event(credential.onboarding, Actor.SYSTEM, "credentials.purged", reason=reason)
    return True


def purge_delivered_credentials(now: datetime | None = None) -> int:
    """Purge credentials whose hand-off was delivered longer than the retention period ago."""
    now = now or utcnow()
    cutoff = now - timedelta(hours=current_app.config["CREDENTIAL_RETENTION_HOURS"])
    query = (select(Credential).join(OutboxMessage, OutboxMessage.onboarding_id == Credential.onboarding_id)
             .where(OutboxMessage.state == OutboxState.DELIVERED, OutboxMessage.delivered_at <= cutoff,
                    Credential.purged_at.is_(None)))
    return sum(purge_credential(c, reason="delivered", now=now) for c in db.session.scalars(query).all())


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
    return expired


def purge_abandoned_credentials(now: datetime | None = None) -> int:
    """Purge the credentials of expired and revoked onboardings."""
    query = (select(Credential).join(Onboarding, Onboarding.id == Credential.onboarding_id)
             .where(Onboarding.status.in_(ABANDONED_STATUSES), Credential.purged_at.is_(None)))
    return sum(purge_credential(c, reason="abandoned", now=now) for c in db.session.scalars(query).all())


@dataclass(frozen=True)
class PurgeReport:
    expired_onboardings: int
    delivered_credentials: int
    abandoned_credentials: int


def purge_due(now: datetime | None = None) -> PurgeReport:
    """Run every retention rule once and commit."""
    now = now or utcnow()
    report = PurgeReport(expired_onboardings=expire_onboardings(now),
                         delivered_credentials=purge_delivered_credentials(now),
                         abandoned_credentials=purge_abandoned_credentials(now))
    db.session.commit()
    return report
