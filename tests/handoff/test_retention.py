"""Data minimisation: after delivery (or abandonment) the wizard holds no credential any more."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Text, select, type_coerce

from tests.handoff.conftest import outbox_message
from wizard.extensions import db
from wizard.handoff.delivery import deliver_due
from wizard.handoff.retention import purge_due
from wizard.models import AuditEvent, Credential, OnboardingStatus
from wizard.models.base import utcnow
from wizard.vault import EncryptedJSON


def everything_stored() -> str:
    """Every column of every table, both as stored (raw) and as the app reads it (decrypted)."""
    seen = []
    for table in db.metadata.sorted_tables:
        raw = [type_coerce(column, Text()) for column in table.columns]
        seen += [repr(tuple(row)) for row in db.session.execute(select(*raw))]
        seen += [repr(tuple(row)) for row in db.session.execute(select(table))]
    return "\n".join(seen)


def test_after_delivery_no_credential_remains_anywhere(complete_with_credentials, receiver):
    token = "nmbrsScanEveryColumn0123456789ab"
    onboarding = complete_with_credentials(token=token)
    jwe = outbox_message(onboarding).payload["data"]["credentials"]["jwe"]
    assert any(isinstance(c.type, EncryptedJSON) for t in db.metadata.sorted_tables for c in t.columns)
    stored = everything_stored()
    assert token in stored and jwe in stored  # the scan does see secrets while they are held

    assert deliver_due() == {"delivered": 1}

    stored = everything_stored()
    assert token not in stored and jwe not in stored and token[:12] not in stored
    credential = db.session.scalar(select(Credential))
    assert credential.method == "token" and credential.purged_at is not None


def test_a_retention_period_keeps_the_credential_until_it_passes(complete_with_credentials, receiver, app):
    app.config["CREDENTIAL_RETENTION_HOURS"] = 24
    token = "nmbrsRetained0123456789abcdefghi"
    onboarding = complete_with_credentials(token=token)
    deliver_due()
    assert token in everything_stored()
    assert purge_due(utcnow() + timedelta(hours=23)).delivered_credentials == 0
    assert purge_due(utcnow() + timedelta(hours=25)).delivered_credentials == 1
    assert token not in everything_stored()
    assert onboarding.credential.secret is None


def test_expired_unfinished_onboardings_are_expired_and_purged(make_onboarding, runner):
    onboarding, _ = make_onboarding()
    token = "nmbrsAbandoned0123456789abcdefgh"
    db.session.add(Credential(onboarding=onboarding, method="token", secret={"token": token}))
    onboarding.expires_at = utcnow() - timedelta(minutes=1)
    still_open, _ = make_onboarding(organisation="Nog Bezig B.V.")
    db.session.commit()

    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Expired onboardings: 1" in result.output
    assert "expired or revoked onboardings purged: 1" in result.output
    db.session.expire_all()
    assert onboarding.status is OnboardingStatus.EXPIRED and still_open.status is OnboardingStatus.INVITED
    assert token not in everything_stored()
    types = db.session.scalars(select(AuditEvent.event_type).where(
        AuditEvent.onboarding_id == onboarding.id)).all()
    assert {"onboarding.expired", "credentials.purged"} <= set(types)
    assert runner.invoke(args=["purge"]).output.count(": 0") == 5  # nothing left to do


def test_revoked_onboardings_lose_their_credentials(make_onboarding):
    onboarding, _ = make_onboarding()
    db.session.add(Credential(onboarding=onboarding, method="token", secret={"token": "x" * 32}))
    onboarding.status = OnboardingStatus.REVOKED
    db.session.commit()
    assert purge_due().abandoned_credentials == 1
    assert onboarding.credential.secret is None
