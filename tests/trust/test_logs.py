"""No log line at any level carries personal data or secrets, SQL parameters included."""
from __future__ import annotations

import logging
import smtplib

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from tests.handoff.conftest import outbox_message
from tests.support.connect import enter_login, run_check, through_package
from tests.support.http_wizard import COMPANY
from wizard.extensions import db
from wizard.handoff.delivery import run_worker
from wizard.handoff.retention import purge_due
from wizard.models.base import utcnow
from wizard.terms import current_terms_version

CANARY_PARAMETER = "cnry-sql-parameter-7f3a@klant.example"


class Everything(logging.Handler):
    """Every record of every logger, formatted with its traceback, as one text."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def all_logs(app):
    """Root at DEBUG, as an operator chasing a problem would set ``WIZARD_LOG_LEVEL``."""
    from wizard.logging import configure_logging

    app.config["LOG_LEVEL"] = "DEBUG"
    configure_logging(app)
    handler = Everything()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def test_sql_parameters_never_reach_an_error_message(app):
    with pytest.raises(SQLAlchemyError) as caught:
        db.session.execute(text("SELECT no_such_column FROM onboarding WHERE contact_email = :e"),
                           {"e": CANARY_PARAMETER})
    db.session.rollback()
    assert CANARY_PARAMETER not in str(caught.value)
    assert "hidden due to hide_parameters" in str(caught.value)


def test_a_failing_query_in_a_request_logs_no_parameters(client, all_logs, monkeypatch):
    def failing_page(*args, **kwargs):
        db.session.execute(text("INSERT INTO onboarding (public_id, contact_email) VALUES (NULL, :e)"),
                           {"e": CANARY_PARAMETER})

    monkeypatch.setattr("wizard.main.render_template", failing_page)
    assert client.get("/").status_code == 500
    assert "unhandled error" in all_logs.text and "INSERT INTO onboarding" in all_logs.text
    assert CANARY_PARAMETER not in all_logs.text


def test_a_whole_onboarding_at_debug_logs_nothing_personal_or_secret(
        app, client, wizard, make_onboarding, sandbox, receiver, all_logs, sync_webhook_secret):
    login = sandbox.login("full")
    # The sandbox matches usernames without case: this spelling is ours alone.
    username = "Api@BakkerijVanDenBerg.example"
    assert username.lower() == login.username
    onboarding, link = make_onboarding(organisation="Cnry Organisatie Zq42 B.V.",
                                       email="cnry-contact-zq42@klant.example",
                                       contact_name="Cnry Contact Zq42")
    secrets = {"organisation": onboarding.organisation, "contact email": onboarding.contact_email,
               "contact name": onboarding.contact_name, "username": username, "token": login.token,
               "invite link": link.rsplit("/", 1)[1], "webhook secret": sync_webhook_secret}

    client.environ_base["HTTP_USER_AGENT"] = "CnryBrowser/Zq42"
    secrets["user agent"] = "CnryBrowser/Zq42"
    wizard.open_invite(link)
    secrets["session cookie"] = client.get_cookie("session").value
    through_package(wizard)
    assert wizard.submit("terms", version=current_terms_version(), accept="y",
                         name="Cnry Ondertekenaar Zq42").status_code == 302
    secrets["accepted name"] = "Cnry Ondertekenaar Zq42"
    assert wizard.submit("method", method="token").status_code == 302
    assert enter_login(wizard, login.__class__(username, login.token)).status_code == 302
    assert run_check(wizard).status_code == 302
    assert wizard.submit("validation").status_code == 302
    page = wizard.client.get("/onboarding/entities").get_data(as_text=True)
    companies = COMPANY.findall(page)
    assert wizard.submit("entities", company=companies).headers["Location"].endswith("/done")
    secrets["jwe"] = outbox_message(onboarding).payload["data"]["credentials"]["jwe"]

    assert run_worker(once=True) == {"delivered": 1}
    purge_due(utcnow())
    assert logging.getLogger().level == logging.DEBUG and len(all_logs.lines) > 20
    found = {name: value for name, value in secrets.items() if value in all_logs.text}
    assert found == {}, [line for line in all_logs.lines if any(v in line for v in found.values())]


@pytest.mark.both_databases
def test_a_database_error_quoting_a_value_logs_no_value(client, all_logs, monkeypatch):
    """PostgreSQL repeats the refused key in its DETAIL line; that line must not reach the log."""
    from wizard.models import TermsAcceptance

    def duplicate_acceptance(*args, **kwargs):
        from wizard.lifecycle import create_onboarding

        onboarding = create_onboarding(organisation="Org", contact_email="a@b.example")
        for _ in range(2):
            db.session.add(TermsAcceptance(onboarding=onboarding, version="v", language="nl",
                                           accepted_name=CANARY_PARAMETER))
        db.session.flush()

    monkeypatch.setattr("wizard.main.render_template", duplicate_acceptance)
    assert client.get("/").status_code == 500
    assert "unhandled error: IntegrityError" in all_logs.text
    assert CANARY_PARAMETER not in all_logs.text


@pytest.mark.parametrize("failure", [
    smtplib.SMTPDataError(554, b"5.7.1 <cnry-rcpt-q9@klant.example>: Relay denied"),
    smtplib.SMTPSenderRefused(553, b"sender cnry-rcpt-q9@klant.example refused",
                                            "cnry-rcpt-q9@klant.example"),
    OSError("cannot reach mx for cnry-rcpt-q9@klant.example"),
])
def test_mail_failures_are_stored_and_logged_without_addresses(failure):
    from wizard.mail.backends import SmtpBackend

    backend = SmtpBackend(host="localhost", port=25, security="none", username="", password="",
                          timeout=1, ca_file=None)
    described = backend._describe(failure)
    assert "cnry-rcpt-q9" not in described and "<address>" in described
