"""Retention of personal data and of failed hand-offs: erased on schedule, a skeleton stays,
live connections keep theirs, and an unreadable secret never stops the run."""
from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update

from tests.handoff.conftest import outbox_message
from tests.handoff.test_retention import everything_stored
from wizard.extensions import db
from wizard.handoff.delivery import deliver_due
from wizard.handoff.retention import ERASED_EMAIL, purge_due
from wizard.handoff.service import HandoffError, find_message, retry_message
from wizard.invites.service import create_invite, resend_invite
from wizard.journeys import create_reconnection, live_connections, terms_accepted_for_connection
from wizard.lifecycle import OnboardingError
from wizard.models import (Actor, AuditEvent, ChangeRequest, Credential, Delegation, EntitySnapshot,
                           JourneyKind, OnboardingStatus, OutboxState, TermsAcceptance, ValidationRun, record_event)
from wizard.models.base import utcnow
from wizard.steps.terms import accept_terms
from wizard.terms import current_terms_version

CANARIES = {
    "contact_name": "Cnry Contactpersoon {tag}",
    "contact_email": "cnry-{tag}@klant.example",
    "username": "cnry-nmbrs-{tag}@klant.example",
    "accepted_name": "Cnry Ondertekenaar {tag}",
    "user_agent": "CnryBrowser/{tag}",
    "admin_email": "cnry-beheer-{tag}@klant.example",
    "admin_name": "Cnry Beheerder {tag}",
    "change_words": "Cnry graag ook BV Noord {tag}",
}


def give_personal_data(onboarding, suffix: str = "") -> dict:
    """Everything a client leaves behind while walking the wizard, with canary values."""
    tag = f"qx71{suffix}z"  # no canary is a substring of another onboarding's
    canary = {key: value.format(tag=tag) for key, value in CANARIES.items()}
    canary["ip"] = f"203.0.113.{71 + len(suffix) * 7 + sum(map(ord, suffix)) % 100}"
    onboarding.contact_name = canary["contact_name"]
    onboarding.contact_email = canary["contact_email"]
    accept_terms(onboarding, version=current_terms_version(), language="nl",
                 name=canary["accepted_name"], ip_address=canary["ip"], user_agent=canary["user_agent"])
    onboarding.answers.record("credentials", username=canary["username"], domain="klant")
    record_event(onboarding, Actor.CLIENT, "credentials.stored", method="token",
                 username=canary["username"], domain="klant", replaced=False)
    record_event(onboarding, Actor.CLIENT, "invite.opened", first=True, user_agent=canary["user_agent"])
    db.session.add(Credential(onboarding=onboarding, method="token", secret={
        "username": canary["username"], "token": "nmbrs-token-" + canary["ip"], "domain": "klant"}))
    db.session.add(ChangeRequest(onboarding=onboarding, message=canary["change_words"], language="nl"))
    db.session.add(Delegation(onboarding=onboarding, email=canary["admin_email"], name=canary["admin_name"],
                              expires_at=utcnow() + timedelta(days=7)))
    db.session.add(ValidationRun(onboarding=onboarding, profile="payroll", username=canary["username"],
                                 domain="klant", checks=[]))
    db.session.add(EntitySnapshot(onboarding=onboarding, source="validation",
                                  debtors=[{"id": 1, "number": 1, "name": canary["contact_name"]}],
                                  companies=[]))
    db.session.commit()
    return canary


@pytest.fixture
def invited(app):
    """An invite sent by email (so a mail row with the recipient exists), with personal data."""
    def make(suffix: str = ""):
        invite = create_invite(organisation="Fietsenmaker Bos", contact_email="tmp@klant.example")
        canary = give_personal_data(invite.onboarding, suffix)
        invite.email.recipient = canary["contact_email"]
        db.session.commit()
        return invite.onboarding, canary

    return make


def leaked(canary: dict) -> list[str]:
    stored = everything_stored()
    return [name for name, value in canary.items() if value in stored]


@pytest.mark.both_databases
def test_an_expired_onboarding_is_erased_after_the_retention_period(invited):
    onboarding, canary = invited()
    kept, _ = invited(suffix="k")  # still open: untouched
    kept.expires_at = utcnow() + timedelta(days=365)
    onboarding.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    event_types = db.session.scalars(select(AuditEvent.event_type).where(
        AuditEvent.onboarding_id == onboarding.id).order_by(AuditEvent.id)).all()

    assert purge_due().expired_onboardings == 1
    assert purge_due(utcnow() + timedelta(days=29)).erased_onboardings == 0
    assert set(leaked(canary)) == set(canary)  # the scan sees them while they are held

    assert purge_due(utcnow() + timedelta(days=31)).erased_onboardings == 1
    assert leaked(canary) == []
    db.session.expire_all()
    # The skeleton: who (organisation), what happened when, without personal data.
    assert onboarding.organisation == "Fietsenmaker Bos" and onboarding.status is OnboardingStatus.EXPIRED
    assert onboarding.contact_email == ERASED_EMAIL and onboarding.contact_name is None
    assert onboarding.erased_at is not None and onboarding.raw_answers == {}
    after = db.session.scalars(select(AuditEvent.event_type).where(
        AuditEvent.onboarding_id == onboarding.id).order_by(AuditEvent.id)).all()
    assert after[:len(event_types)] == event_types and after[-1] == "personal_data.erased"
    acceptance = db.session.scalar(select(TermsAcceptance).filter_by(onboarding_id=onboarding.id))
    assert acceptance.version == current_terms_version() and acceptance.ip_address is None
    assert db.session.scalar(select(db.func.count(EntitySnapshot.id)).filter_by(
        onboarding_id=onboarding.id)) == 0
    assert onboarding.credential.secret is None
    # Nothing more to do, and the other onboarding is untouched.
    assert purge_due(utcnow() + timedelta(days=60)).erased_onboardings == 0
    assert kept.contact_email == "cnry-qx71kz@klant.example" and kept.erased_at is None
    with pytest.raises(OnboardingError, match="erased"):
        resend_invite(onboarding)


def test_a_revoked_onboarding_is_erased_too(invited):
    from wizard.invites.service import revoke_invite

    onboarding, canary = invited()
    revoke_invite(onboarding)
    assert purge_due(utcnow() + timedelta(days=31)).erased_onboardings == 1
    assert leaked(canary) == []


def test_a_live_connection_keeps_its_data_when_a_reconnection_expires(
        complete_with_credentials, app):
    root = complete_with_credentials()
    root_canary = give_personal_data_of_live(root)
    journey = create_reconnection(root, JourneyKind.RELINK, actor=Actor.SUPPORT)
    db.session.commit()
    journey_canary = give_personal_data(journey, suffix="j")
    journey.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    root_events = db.session.scalars(select(AuditEvent.details).where(
        AuditEvent.onboarding_id == root.id).order_by(AuditEvent.id)).all()

    assert purge_due().expired_onboardings == 1
    assert purge_due(utcnow() + timedelta(days=31)).erased_onboardings == 1

    db.session.expire_all()
    assert journey.status is OnboardingStatus.EXPIRED and journey.erased_at is not None
    assert leaked(journey_canary) == []
    # The live connection is not abandoned: its journey keeps everything.
    assert root.status is OnboardingStatus.COMPLETED and root.erased_at is None
    assert root.contact_email == root_canary["contact_email"]
    assert root.answers.login.username == root_canary["username"]
    assert db.session.scalars(select(AuditEvent.details).where(
        AuditEvent.onboarding_id == root.id).order_by(AuditEvent.id)).all()[:len(root_events)] == root_events
    assert terms_accepted_for_connection(root, current_terms_version())
    assert [c.root.id for c in live_connections()] == [root.id]
    # And it can still be re-connected, from its own (kept) answers.
    again = create_reconnection(root, JourneyKind.RELINK, actor=Actor.SUPPORT)
    assert again.contact_email == root_canary["contact_email"] and again.answers.package


def give_personal_data_of_live(root) -> dict:
    """The live journey's own personal data (what the sync backend knows it by)."""
    root.contact_name, root.contact_email = "Cnry Live Qx99", "cnry-live-qx99@klant.example"
    root.answers.update("credentials", username="cnry-live-nmbrs-qx99@klant.example")
    db.session.add(TermsAcceptance(onboarding=root, version=current_terms_version(), language="nl",
                                   accepted_name="Cnry Live Signer Qx99"))
    db.session.commit()
    return {"contact_email": root.contact_email, "username": "cnry-live-nmbrs-qx99@klant.example"}


def fail_handoff(complete_with_credentials, start_receiver):
    from wizard.handoff.keys import generate_key_pair

    start_receiver(private_pem=generate_key_pair(2048)[0])  # cannot decrypt: answers 400
    onboarding = complete_with_credentials(token="nmbrsFailedLongAgo0123456789abcd")
    assert deliver_due() == {"failed": 1}
    return onboarding


def test_a_failed_handoff_loses_its_jwe_and_credentials_after_the_retention(
        complete_with_credentials, start_receiver, app, runner):
    onboarding = fail_handoff(complete_with_credentials, start_receiver)
    jwe = outbox_message(onboarding).payload["data"]["credentials"]["jwe"]

    assert purge_due(utcnow() + timedelta(days=13)).failed_handoffs == 0
    assert jwe in everything_stored() and onboarding.credential.secret is not None

    assert purge_due(utcnow() + timedelta(days=15)).failed_handoffs == 1
    stored = everything_stored()
    assert jwe not in stored and "nmbrsFailedLongAgo" not in stored
    message = outbox_message(onboarding)
    assert message.state is OutboxState.FAILED and len(message.payload["data"]["credentials"]["sha256"]) == 64
    details = db.session.scalars(select(AuditEvent.details).where(
        AuditEvent.event_type.in_(["handoff.purged", "credentials.purged"]))).all()
    assert {"message_id": message.message_id, "state": "failed", "retention_days": 14} in details
    assert {"reason": "handoff_failed"} in details
    assert purge_due(utcnow() + timedelta(days=30)).failed_handoffs == 0

    with pytest.raises(HandoffError, match="relink"):
        retry_message(find_message(message.message_id))
    result = runner.invoke(args=["outbox", "retry", message.message_id])
    assert result.exit_code != 0 and "no longer carries credentials" in result.output


def test_the_failed_handoff_retention_is_configurable(complete_with_credentials, start_receiver, app):
    app.config["FAILED_HANDOFF_RETENTION_DAYS"] = 2
    onboarding = fail_handoff(complete_with_credentials, start_receiver)
    assert purge_due(utcnow() + timedelta(days=3)).failed_handoffs == 1
    assert onboarding.credential.secret is None


def encrypt_under_a_lost_key(onboarding) -> None:
    """Store the onboarding's secret encrypted with a key the app no longer has."""
    from sqlalchemy import Text, type_coerce

    ciphertext = Fernet(Fernet.generate_key()).encrypt(b'{"token":"lost"}').decode()
    db.session.execute(update(Credential).where(Credential.onboarding_id == onboarding.id)
                       .values(secret=type_coerce(ciphertext, Text())))
    db.session.commit()


def test_purge_reports_and_skips_an_unreadable_secret_instead_of_aborting(invited, runner):
    unreadable, _ = invited(suffix="u")
    readable, canary = invited(suffix="r")
    encrypt_under_a_lost_key(unreadable)
    for onboarding in (unreadable, readable):
        onboarding.expires_at = utcnow() - timedelta(days=40)
        onboarding.updated_at = utcnow() - timedelta(days=40)
    db.session.commit()

    result = runner.invoke(args=["purge"])
    assert result.exit_code == 1
    assert "Expired onboardings: 2" in result.output
    assert "expired or revoked onboardings purged: 1" in result.output
    assert f"Skipped 1 secret(s)" in result.output and unreadable.public_id in result.output
    assert "lost" not in result.output

    db.session.expire_all()
    assert readable.credential.purged_at is not None
    assert db.session.scalar(select(Credential.purged_at).filter_by(onboarding_id=unreadable.id)) is None

    result = runner.invoke(args=["purge", "--erase-unreadable"])
    assert result.exit_code == 0, result.output
    assert "expired or revoked onboardings purged: 1" in result.output
    assert db.session.scalar(select(Credential.purged_at).filter_by(onboarding_id=unreadable.id))


def test_a_delivery_whose_credentials_cannot_be_read_is_still_recorded(
        complete_with_credentials, receiver):
    onboarding = complete_with_credentials()
    message = outbox_message(onboarding)
    encrypt_under_a_lost_key(onboarding)  # after sealing: the JWE in the outbox is fine
    assert deliver_due() == {"delivered": 1}
    assert outbox_message(onboarding).state is OutboxState.DELIVERED
    assert purge_due().unreadable == [onboarding.public_id]
    assert message.message_id in receiver.store.accepted
