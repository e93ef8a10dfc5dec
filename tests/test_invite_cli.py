"""``flask invite ...`` and ``flask mail retry`` through the CLI runner, and once for real."""
import os
import subprocess
import sys
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from tests.support.smtp import free_port
from wizard.extensions import db
from wizard.invites import InviteError, InviteProblem, redeem_invite
from wizard.models import AuditEvent, MailMessage, MailState, Onboarding, OnboardingStatus

ROOT = Path(__file__).resolve().parent.parent


def create(runner, *extra):
    return runner.invoke(args=["invite", "create", "--company", "Bakkerij De Vries B.V.",
                               "--email", "hr@devries.example", *extra])


def token_of(link: str) -> str:
    return link.rsplit("/i/", 1)[1]


def test_create_emails_the_invite_and_prints_the_link_last(runner, smtp_server):
    result = create(runner, "--name", "Sanne de Vries", "--lang", "en", "--profile", "reviews",
                    "--expires-days", "3")
    assert result.exit_code == 0, result.output
    link = result.output.strip().splitlines()[-1]
    assert link.startswith("http://127.0.0.1:5000/i/")
    onboarding = redeem_invite(token_of(link))
    assert (onboarding.organisation, onboarding.contact_name, onboarding.language,
            onboarding.profile) == ("Bakkerij De Vries B.V.", "Sanne de Vries", "en", "reviews")
    assert "Invite email: sent" in result.output
    (message,) = smtp_server.inbox.wait(1)
    assert link in message.get_body(("plain",)).get_content()


@pytest.mark.parametrize("extra, complaint", [
    (["--profile", "admin"], "profile must be one of payroll, reviews, employee-app"),
    (["--expires-days", "0"], "at least one day"),
    (["--lang", "de"], "'de' is not one of 'nl', 'en'"),
])
def test_create_refuses_bad_options(runner, extra, complaint):
    result = create(runner, *extra)
    assert result.exit_code == 2
    assert complaint in result.output
    assert db.session.execute(db.select(Onboarding)).first() is None


def test_create_refuses_a_bad_email_address(runner):
    result = runner.invoke(args=["invite", "create", "--company", "X", "--email", "not-an-address"])
    assert result.exit_code == 2 and "contact email address is not valid" in result.output


def test_a_failed_email_is_reported_and_the_link_still_printed(app, runner):
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(),
                      SMTP_SECURITY="none")
    result = create(runner)
    assert result.exit_code == 0, result.output
    assert "Invite email: pending (1 attempt," in result.output
    assert "ConnectionRefusedError" in result.output
    assert "flask mail retry" in result.output
    assert redeem_invite(token_of(result.output.strip().splitlines()[-1]))


def test_resend_replaces_the_link_and_sends_a_new_email(runner, smtp_server):
    first = create(runner).output.strip().splitlines()[-1]
    onboarding = redeem_invite(token_of(first))
    result = runner.invoke(args=["invite", "resend", str(onboarding.id)])
    assert result.exit_code == 0, result.output
    second = result.output.strip().splitlines()[-1]
    assert second != first
    with pytest.raises(InviteError) as caught:
        redeem_invite(token_of(first))
    assert caught.value.problem is InviteProblem.REPLACED
    assert redeem_invite(token_of(second)) is onboarding
    messages = smtp_server.inbox.wait(2)
    assert second in messages[1].get_body(("plain",)).get_content()
    # By public id as well.
    assert runner.invoke(args=["invite", "resend", onboarding.public_id]).exit_code == 0


def test_resend_reopens_an_expired_onboarding(runner):
    from datetime import timedelta

    from wizard.models.base import utcnow

    create(runner)
    onboarding = db.session.execute(db.select(Onboarding)).scalar_one()
    onboarding.expires_at = utcnow() - timedelta(days=1)
    onboarding.status = OnboardingStatus.EXPIRED
    db.session.commit()
    result = runner.invoke(args=["invite", "resend", str(onboarding.id), "--expires-days", "5"])
    assert result.exit_code == 0, result.output
    assert onboarding.status is OnboardingStatus.INVITED
    assert redeem_invite(token_of(result.output.strip().splitlines()[-1])) is onboarding


def test_revoke_stops_the_link(runner):
    link = create(runner).output.strip().splitlines()[-1]
    onboarding = redeem_invite(token_of(link))
    result = runner.invoke(args=["invite", "revoke", str(onboarding.id)])
    assert result.exit_code == 0 and "is revoked" in result.output
    with pytest.raises(InviteError) as caught:
        redeem_invite(token_of(link))
    assert caught.value.problem is InviteProblem.REVOKED
    assert db.session.execute(db.select(AuditEvent).filter_by(
        event_type="invite.revoked")).scalar_one().actor.value == "support"
    refused = runner.invoke(args=["invite", "resend", str(onboarding.id)])
    assert refused.exit_code == 2 and "revoked" in refused.output


def test_commands_name_an_unknown_id(runner):
    for command in ("resend", "revoke"):
        result = runner.invoke(args=["invite", command, "999"])
        assert result.exit_code == 2 and "no onboarding with id '999'" in result.output


@pytest.mark.both_databases
def test_list_shows_state_without_secrets(app, runner, client):
    first = create(runner).output.strip().splitlines()[-1]
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(),
                      SMTP_SECURITY="none")
    runner.invoke(args=["invite", "create", "--company", "Garage Jansen", "--email", "p@jansen.example"])
    client.get(first.replace("http://127.0.0.1:5000", ""))
    result = runner.invoke(args=["invite", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["ID", "ORGANISATION", "STATUS", "EXPIRES", "(UTC)", "OPENED", "EMAIL"]
    garage, bakery = lines[1], lines[2]
    assert garage.split()[:4] == ["2", "Garage", "Jansen", "invited"]
    assert "pending (1 attempt," in garage and "ConnectionRefusedError" in garage
    assert bakery.split()[:6] == ["1", "Bakkerij", "De", "Vries", "B.V.", "in_progress"]
    assert "sent" in bakery
    for onboarding in db.session.execute(db.select(Onboarding)).scalars():
        assert onboarding.invite_nonce_hash not in result.output
    assert token_of(first) not in result.output


def test_mail_retry_sends_what_is_due(app, runner, smtp_server):
    app.config.update(SMTP_PORT=free_port(), MAIL_RETRY_SECONDS=0)
    create(runner)
    app.config.update(SMTP_PORT=smtp_server.port)
    result = runner.invoke(args=["mail", "retry"])
    assert result.exit_code == 0 and "sent 1, still pending 0" in result.output
    assert db.session.execute(db.select(MailMessage.state)).scalar_one() is MailState.SENT
    assert len(smtp_server.inbox.wait(1)) == 1


def test_invite_create_in_a_fresh_setup_as_a_real_process(tmp_path):
    """A newcomer's path: migrate an empty instance folder, create an invite, open the outbox."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIZARD_")}
    env.update(WIZARD_INSTANCE_PATH=str(tmp_path / "instance"), WIZARD_LOG_FORMAT="text")
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]

    def run(*args):
        return subprocess.run([*flask, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120)

    assert run("db", "upgrade").returncode == 0
    result = run("invite", "create", "--company", "Bakkerij De Vries B.V.",
                 "--email", "hr@devries.example", "--name", "Sanne de Vries")
    assert result.returncode == 0, result.stderr
    link = result.stdout.strip().splitlines()[-1]
    assert link.startswith("http://127.0.0.1:5000/i/")
    (eml,) = (tmp_path / "instance" / "outbox").glob("*-invite.eml")
    message = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    assert link in message.get_body(("plain",)).get_content()
    assert "written to the file outbox" in result.stderr
    assert link in result.stderr  # development: the link is logged for convenience
    listing = run("invite", "list")
    assert listing.returncode == 0 and "Bakkerij De Vries B.V." in listing.stdout
