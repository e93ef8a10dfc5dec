"""Reminders with a controlled clock: on schedule, in the client's language, saying where they
stopped and what is missing; never after completion, revocation or expiry, never twice."""
from datetime import timedelta

import pytest

from tests.support.connect import reload
from wizard.extensions import db
from wizard.handoff.delivery import run_worker
from wizard.invites import revoke_invite
from wizard.models import (Actor, AuditEvent, MailMessage, MailState, OnboardingStatus, Reminder,
                           ValidationRun, record_event)
from wizard.reminders import send_due_reminders, set_reminders
from tests.dashboard.test_dashboard import TWO_MISSING

DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def schedule(app):
    app.config.update(REMINDER_DAYS=(3.0, 7.0), REMINDER_BEFORE_EXPIRY_DAYS=2.0)
    return app.config


def text_of(email) -> str:
    return email.get_body(("plain",)).get_content()


@pytest.mark.both_databases
def test_idle_reminders_go_out_on_schedule_and_never_twice(schedule, make_onboarding, smtp_server):
    onboarding, _ = make_onboarding(language="en")
    start = onboarding.last_activity_at
    assert send_due_reminders(now=start + 3 * DAY - MINUTE).sent == []
    assert send_due_reminders(now=start + 3 * DAY + MINUTE).sent == [onboarding.id]
    assert send_due_reminders(now=start + 3 * DAY + 2 * MINUTE).sent == []
    assert send_due_reminders(now=start + 6 * DAY).sent == []
    assert send_due_reminders(now=start + 7 * DAY + MINUTE).sent == [onboarding.id]
    assert send_due_reminders(now=start + 7 * DAY + 2 * MINUTE).sent == []
    first, second = smtp_server.inbox.wait(2)
    assert first["Subject"].startswith("Reminder") and first["Content-Language"] == "en"
    assert "you have not started yet" in text_of(first)
    slots = db.session.scalars(db.select(Reminder.slot).order_by(Reminder.id)).all()
    assert slots == ["idle-3", "idle-7"]
    events = db.session.scalars(db.select(AuditEvent).filter_by(event_type="reminder.sent")).all()
    assert [e.actor for e in events] == [Actor.SYSTEM, Actor.SYSTEM]


def test_a_client_who_moves_again_starts_a_new_stall(schedule, make_onboarding, smtp_server):
    onboarding, _ = make_onboarding()
    start = onboarding.last_activity_at
    send_due_reminders(now=start + 3 * DAY + MINUTE)
    record_event(onboarding, Actor.CLIENT, "onboarding.started")
    db.session.commit()
    moved = reload(onboarding).last_activity_at
    assert send_due_reminders(now=moved + 2 * DAY).sent == []
    assert send_due_reminders(now=moved + 3 * DAY + MINUTE).sent == [onboarding.id]
    assert len(smtp_server.inbox.wait(2)) == 2


def test_rules_due_together_share_one_email(schedule, make_onboarding, smtp_server):
    onboarding, _ = make_onboarding()
    late = onboarding.last_activity_at + 13 * DAY  # worker was down: idle 3, idle 7 and expiry due
    assert send_due_reminders(now=late).sent == [onboarding.id]
    assert send_due_reminders(now=late + MINUTE).sent == []
    email = smtp_server.inbox.wait(1)[0]
    assert "verloopt binnenkort" in email["Subject"]
    assert sorted(db.session.scalars(db.select(Reminder.slot))) == ["expiry", "idle-3", "idle-7"]


def test_one_reminder_before_the_link_expires(app, make_onboarding, smtp_server):
    app.config.update(REMINDER_DAYS=(), REMINDER_BEFORE_EXPIRY_DAYS=2.0)
    onboarding, _ = make_onboarding(expires_days=14)
    expires = onboarding.expires_at
    assert send_due_reminders(now=expires - 2 * DAY - MINUTE).sent == []
    assert send_due_reminders(now=expires - 2 * DAY + MINUTE).sent == [onboarding.id]
    assert send_due_reminders(now=expires - DAY).sent == []
    assert send_due_reminders(now=expires + MINUTE).sent == []  # expired: nothing more
    assert len(smtp_server.inbox.wait(1)) == 1


@pytest.mark.parametrize("close", ["completed", "revoked", "expired", "reminders_off"])
def test_never_after_completion_revocation_expiry_or_opt_out(schedule, make_onboarding, smtp_server,
                                                             close):
    onboarding, _ = make_onboarding()
    start = onboarding.last_activity_at
    if close == "completed":
        onboarding.status = OnboardingStatus.COMPLETED
    elif close == "revoked":
        revoke_invite(onboarding)
    elif close == "expired":
        onboarding.status = OnboardingStatus.EXPIRED
    else:
        set_reminders(onboarding, False, actor=Actor.SUPPORT)
    db.session.commit()
    for days in (3, 7, 13):
        assert send_due_reminders(now=start + days * DAY + MINUTE).sent == []
    assert smtp_server.messages == []


def test_an_unsent_reminder_is_cancelled_when_the_onboarding_closes(schedule, make_onboarding, app):
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=9, SMTP_SECURITY="none",
                      SMTP_TIMEOUT=1)
    onboarding, _ = make_onboarding()
    send_due_reminders(now=onboarding.last_activity_at + 3 * DAY + MINUTE)
    message = db.session.scalar(db.select(MailMessage).filter_by(kind="reminder"))
    assert message.state is MailState.PENDING  # the mail server was down
    set_reminders(onboarding, False, actor=Actor.SUPPORT)
    db.session.refresh(message)
    assert message.state is MailState.CANCELLED


def test_the_reminder_says_where_they_stopped_and_what_is_missing(schedule, make_onboarding, wizard,
                                                                  smtp_server):
    for language, expected in (("nl", ("stap 1 van 7: Voorwaarden", "Er ontbreken nog 2 API-rechten")),
                               ("en", ("step 1 of 7: Terms", "2 API rights are still missing"))):
        onboarding, link = make_onboarding(language=language, email=f"hr-{language}@example.nl")
        wizard.open_invite(link)
        db.session.add(ValidationRun(onboarding=onboarding, profile="payroll", authenticated=True,
                                     required_ok=False, checks=TWO_MISSING))
        db.session.commit()
        moved = reload(onboarding).last_activity_at
        assert send_due_reminders(now=moved + 3 * DAY + MINUTE).sent == [onboarding.id]
        text = text_of(smtp_server.inbox.wait(1 if language == "nl" else 2)[-1])
        for words in expected:
            assert words in text, text
        assert "Run_GetList" in text and "Optional_Thing" not in text


def test_the_reminder_link_works_and_the_previous_one_stops(schedule, make_onboarding, wizard,
                                                           smtp_server):
    import re

    onboarding, old_link = make_onboarding()
    send_due_reminders(now=onboarding.last_activity_at + 3 * DAY + MINUTE)
    link = re.search(r"http://\S+/i/\S+", text_of(smtp_server.inbox.wait(1)[0])).group(0)
    assert wizard.open_invite(old_link).status_code == 410
    assert wizard.open_invite(link).status_code == 302


@pytest.mark.both_databases
def test_a_second_worker_does_not_send_what_the_first_claimed(schedule, make_onboarding, smtp_server):
    onboarding, _ = make_onboarding()
    due = onboarding.last_activity_at + 3 * DAY + MINUTE
    # The other worker wrote its claim between our query and our insert.
    db.session.add(Reminder(onboarding_id=onboarding.id, slot="idle-3",
                            anchor=onboarding.last_activity_at))
    db.session.commit()
    assert send_due_reminders(now=due).sent == []
    assert smtp_server.messages == []


def test_the_delivery_worker_sends_due_reminders(schedule, make_onboarding, smtp_server):
    onboarding, _ = make_onboarding()
    onboarding.last_activity_at -= 4 * DAY
    db.session.commit()
    run_worker(once=True)
    run_worker(once=True)
    assert len(smtp_server.inbox.wait(1)) == 1
    assert db.session.scalar(db.select(Reminder.slot)) == "idle-3"
