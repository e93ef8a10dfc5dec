"""After a whole run, the API token exists only as ciphertext in credential.secret."""
import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from tests.support.connect import enter_login, reload, run_check, to_credentials
from wizard.extensions import db
from wizard.models import OnboardingStatus


class RecordingClient:
    """Wraps the test client and keeps every response body."""

    def __init__(self, client):
        self.client, self.bodies = client, []

    def get(self, *args, **kwargs):
        return self._keep(self.client.get(*args, **kwargs))

    def post(self, *args, **kwargs):
        return self._keep(self.client.post(*args, **kwargs))

    def _keep(self, response):
        self.bodies.append(response.get_data(as_text=True))
        return response


def every_stored_value():
    """Every column of every row of every table, as text, straight from the database."""
    values = []
    for table in inspect(db.engine).get_table_names():
        for row in db.session.execute(text(f'SELECT * FROM "{table}"')):
            values.extend(str(value) for value in row)
    return values


def test_token_never_leaves_the_vault(app, make_onboarding, wizard, nmbrs_sandbox, caplog, capfd):
    app.config["NMBRS_SOAP_URL"] = nmbrs_sandbox.soap_url
    caplog.set_level(logging.DEBUG)
    wizard.client = recording = RecordingClient(wizard.client)
    onboarding, link = make_onboarding()
    login = nmbrs_sandbox.login("full")
    wrong = nmbrs_sandbox.login("wrong_token")

    wizard.open_invite(link)
    to_credentials(wizard)
    assert enter_login(wizard, wrong).status_code == 422
    assert enter_login(wizard, login, domain="verkeerd").status_code == 422
    assert enter_login(wizard, login).status_code == 302
    recording.get("/onboarding/credentials")  # the form shown again with a token stored
    run_check(wizard)
    wizard.submit("validation")
    page = recording.get("/onboarding/entities").get_data(as_text=True)
    ids = re.findall(r'name="company" value="(\d+)"', page)
    wizard.submit("entities", company=ids)
    recording.get("/onboarding/done")
    assert reload(onboarding).status is OnboardingStatus.COMPLETED

    outbox = list(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))
    assert outbox, "the confirmation email was not written"
    emails = [path.read_text() for path in outbox]
    assert any("Bevestiging" in email for email in emails)

    stored = every_stored_value()
    logs = caplog.text + "\n".join(r.getMessage() for r in caplog.records) + "".join(capfd.readouterr())
    for secret in (login.token, wrong.token):
        assert not [v for v in stored if secret in v], "token in a database column"
        assert secret not in logs, "token in the logs"
        assert not [b for b in recording.bodies if secret in b], "token in a page"
        assert not [e for e in emails if secret in e], "token in an email"
    assert onboarding.credential.secret["token"] == login.token  # ...but the vault has it
    # The scans do see what they scan: the (non-secret) username is in each of them.
    assert [v for v in stored if login.username in v] and "POST /onboarding/<name>" in logs
    assert [b for b in recording.bodies if login.username in b] and len(recording.bodies) > 10
