"""The mailer: real SMTP on loopback (plain, STARTTLS, implicit TLS, login), the file outbox,
failures recorded and retried, and no link or password stored."""
import logging
import os
import smtplib
import stat
from datetime import timedelta
from email import policy
from email.parser import BytesParser

import pytest

from tests.support.smtp import free_port, start_smtp_server
from wizard.extensions import db
from wizard.invites import InviteError, InviteProblem, create_invite, redeem_invite, revoke_invite
from wizard.mail import retry_delay, retry_due_emails, send_onboarding_email
from wizard.mail.backends import DeliveryError, SmtpBackend
from wizard.models import MailMessage, MailState
from wizard.models.base import utcnow

LATER = timedelta(days=1)


def invite(**kwargs):
    values = dict(organisation="Bakkerij De Vries B.V.", contact_email="hr@devries.example",
                  contact_name="Sanne de Vries")
    return create_invite(**{**values, **kwargs})


def bodies(message):
    return (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content())


def test_invite_email_arrives_over_smtp_multipart_in_dutch(smtp_server):
    result = invite()
    (message,) = smtp_server.inbox.wait(1)
    assert message["To"] == "Sanne de Vries <hr@devries.example>"
    assert message["From"] == "Roosterwijs <onboarding@roosterwijs.example>"
    assert message["Subject"] == ("Uitnodiging: koppel het salarispakket van Bakkerij De Vries B.V. "
                                  "aan Roosterwijs")
    assert message["Content-Language"] == "nl"
    assert message.get_content_type() == "multipart/alternative"
    text, html = bodies(message)
    expiry = result.onboarding.expires_at.astimezone(
        __import__("zoneinfo").ZoneInfo("Europe/Amsterdam"))
    for body in (text, html):
        assert result.link in body
        assert "Bakkerij De Vries B.V." in body
        assert "(Scenario 3) General Manager Payroll &" in body
        assert "API-token" in body
        assert f"{expiry.day} " in body and str(expiry.year) in body
    assert f'href="{result.link}"' in html
    assert result.email.state is MailState.SENT and result.email.attempts == 1
    assert smtp_server.inbox.envelopes[0].rcpt_tos == ["hr@devries.example"]


def test_invite_email_in_english(smtp_server):
    invite(language="en")
    (message,) = smtp_server.inbox.wait(1)
    assert message["Subject"] == ("Invitation: connect the payroll package of Bakkerij De Vries B.V. "
                                  "to Roosterwijs")
    text, html = bodies(message)
    for body in (text, html):
        assert "What do you need?" in body
        assert "API token" in body


def test_html_part_escapes_the_organisation_name(smtp_server):
    invite(organisation='Evil <script>alert(1)</script> B.V.')
    _, html = bodies(smtp_server.inbox.wait(1)[0])
    assert "<script>" not in html and "&lt;script&gt;" in html


@pytest.mark.both_databases
def test_the_database_never_holds_the_link(smtp_server, snapshot):
    result = invite()
    token = result.link.rsplit("/", 1)[1]
    assert token not in repr(snapshot())


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_with_login_against_a_self_signed_server(app, tmp_path, security):
    server = start_smtp_server(security=security, cert_dir=tmp_path / "tls",
                               credentials=("mailer", "s3cret-pw"))
    try:
        app.config.update(server.config(SMTP_USERNAME="mailer", SMTP_PASSWORD="s3cret-pw"))
        result = invite()
        assert result.email.state is MailState.SENT, result.email.last_error
        (message,) = server.inbox.wait(1)
        assert result.link in bodies(message)[0]
    finally:
        server.stop()


def test_tls_refuses_a_certificate_it_does_not_trust(app, tmp_path):
    server = start_smtp_server(security="starttls", cert_dir=tmp_path / "tls")
    try:
        app.config.update(server.config(SMTP_CA_FILE=None))
        result = invite()
        assert result.email.state is MailState.PENDING
        assert "CERTIFICATE_VERIFY_FAILED" in result.email.last_error
        assert server.messages == []
    finally:
        server.stop()


def test_wrong_login_is_recorded_without_the_password(app, tmp_path):
    server = start_smtp_server(security="starttls", cert_dir=tmp_path / "tls",
                               credentials=("mailer", "right-password"))
    try:
        app.config.update(server.config(SMTP_USERNAME="mailer", SMTP_PASSWORD="wrong-password"))
        result = invite()
        assert result.email.state is MailState.PENDING
        assert result.email.last_error.startswith("SMTPAuthenticationError: 535")
        assert "wrong-password" not in result.email.last_error
    finally:
        server.stop()


def test_describe_scrubs_a_password_a_server_echoes():
    backend = SmtpBackend("127.0.0.1", 25, password="hunter2-long")
    error = smtplib.SMTPAuthenticationError(535, b"bad credentials hunter2-long")
    assert backend._describe(error) == "SMTPAuthenticationError: 535 bad credentials ***"


@pytest.mark.both_databases
def test_a_failed_send_is_recorded_then_retried_with_a_fresh_link(app, smtp_server):
    app.config.update(SMTP_PORT=free_port())  # nobody listens there
    result = invite()
    email = result.email
    assert email.state is MailState.PENDING and email.attempts == 1
    assert email.last_error.startswith("ConnectionRefusedError")
    assert timedelta(seconds=55) < email.next_attempt_at - utcnow() <= timedelta(seconds=60)
    # The invite itself is not lost.
    assert redeem_invite(result.link.rsplit("/", 1)[1]) is result.onboarding

    assert retry_due_emails().sent == []  # not due yet
    app.config.update(SMTP_PORT=smtp_server.port)
    summary = retry_due_emails(now=utcnow() + LATER)
    assert summary.sent == [email.id]
    db.session.refresh(email)
    assert (email.state, email.attempts, email.last_error) == (MailState.SENT, 2, None)
    (message,) = smtp_server.inbox.wait(1)
    mailed = [word for word in bodies(message)[0].split() if "/i/" in word][0]
    assert mailed != result.link
    assert redeem_invite(mailed.rsplit("/", 1)[1]) is result.onboarding
    with pytest.raises(InviteError) as caught:
        redeem_invite(result.link.rsplit("/", 1)[1])
    assert caught.value.problem is InviteProblem.REPLACED


def test_backoff_doubles_and_is_capped(app):
    app.config["MAIL_RETRY_SECONDS"] = 60
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert retry_delay(30) == timedelta(hours=6)


def test_after_the_last_attempt_the_email_is_failed(app):
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(),
                      SMTP_SECURITY="none", MAIL_MAX_ATTEMPTS=3)
    email = invite().email
    for _ in range(2):
        retry_due_emails(now=utcnow() + LATER)
    db.session.refresh(email)
    assert (email.state, email.attempts, email.next_attempt_at) == (MailState.FAILED, 3, None)
    assert retry_due_emails(now=utcnow() + LATER).failed == []


def test_a_permanent_refusal_fails_at_once(smtp_server):
    smtp_server.inbox.refuse_with = "550 5.1.1 No such user"
    email = invite().email
    assert email.state is MailState.FAILED and email.attempts == 1
    assert email.last_error == "SMTPRecipientsRefused: 550"


def test_retry_cancels_the_invite_of_a_revoked_onboarding(app):
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(),
                      SMTP_SECURITY="none")
    result = invite()
    revoke_invite(result.onboarding)
    db.session.refresh(result.email)
    assert result.email.state is MailState.CANCELLED


@pytest.mark.both_databases
def test_a_newer_invite_email_supersedes_a_pending_one(app):
    from wizard.invites import resend_invite

    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(),
                      SMTP_SECURITY="none")
    first = invite()
    second = resend_invite(first.onboarding)
    db.session.refresh(first.email)
    assert first.email.state is MailState.CANCELLED
    assert second.email.state is MailState.PENDING


def test_file_backend_writes_a_private_eml_and_logs_its_path(app, caplog):
    caplog.set_level(logging.INFO, logger="wizard.mail")
    result = invite()
    outbox = app.config["MAIL_OUTBOX_DIR"]
    (name,) = os.listdir(outbox)
    path = os.path.join(outbox, name)
    assert name.endswith("-invite.eml")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(path, "rb") as handle:
        message = BytesParser(policy=policy.default).parse(handle)
    assert result.link in message.get_body(("plain",)).get_content()
    assert f"written to the file outbox: {path}" in caplog.text
    assert result.link not in caplog.text  # testing is not development


def test_file_backend_logs_the_link_in_development_only(app, caplog):
    caplog.set_level(logging.INFO, logger="wizard.mail")
    app.config["WIZARD_ENV"] = "development"
    link = invite().link
    assert link in caplog.text
    caplog.clear()
    app.config["WIZARD_ENV"] = "production"
    link = invite(contact_email="other@devries.example").link
    assert "file outbox" in caplog.text and link not in caplog.text


def test_file_backend_failure_is_recorded(app, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the outbox should be")
    app.config["MAIL_OUTBOX_DIR"] = str(blocked)
    email = invite().email
    assert email.state is MailState.PENDING and email.last_error.startswith("FileExistsError")


def test_context_with_secrets_or_unknown_kinds_is_refused_before_recording(make_onboarding):
    onboarding, _ = make_onboarding()
    with pytest.raises(ValueError, match="secrets"):
        send_onboarding_email(onboarding, "invite", api_token="abc")
    with pytest.raises(ValueError, match="no template"):
        send_onboarding_email(onboarding, "no-such-kind")
    assert db.session.execute(db.select(MailMessage)).first() is None


def test_smtp_backend_raises_delivery_error_for_connection_failures():
    backend = SmtpBackend("127.0.0.1", free_port(), security="none", timeout=2)
    from email.message import EmailMessage
    message = EmailMessage()
    message["To"], message["From"], message["Subject"] = "a@b.example", "c@d.example", "x"
    with pytest.raises(DeliveryError) as caught:
        backend.send(message)
    assert not caught.value.permanent


def test_the_background_worker_retries_due_emails(app, smtp_server):
    """`flask outbox deliver` also retries emails, so a failed invite needs no cron job."""
    from wizard.handoff.delivery import run_worker

    app.config.update(SMTP_PORT=free_port())  # nobody listens there
    email = invite().email
    assert email.state is MailState.PENDING
    app.config.update(SMTP_PORT=smtp_server.port)
    email.next_attempt_at = utcnow()
    db.session.commit()
    run_worker(once=True)
    db.session.refresh(email)
    assert email.state is MailState.SENT
    assert len(smtp_server.inbox.wait(1)) == 1
