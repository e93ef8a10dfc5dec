"""Canaries: no secret ever appears on a support page, in an API answer, in the CSV export or in
the logs: not the client's API token, the sealed hand-off, an invite link, an API key, a support
password or session, nor the app's own keys."""
import logging
import re

from tests.dashboard.conftest import PASSWORD, SupportActions
from tests.dashboard.test_api import Crm
from tests.support.connect import enter_login, reload, run_check, to_credentials
from wizard.extensions import db
from wizard.models import OnboardingStatus, OutboxMessage, OutboxState


def test_no_secret_reaches_support_the_api_the_export_or_the_logs(
        app, make_onboarding, wizard, nmbrs_sandbox, api_keys, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    app.config["NMBRS_SOAP_URL"] = nmbrs_sandbox.soap_url
    login = nmbrs_sandbox.login("full")
    done, done_link = make_onboarding("Klaar B.V.", "done@example.nl")
    wizard.open_invite(done_link)
    to_credentials(wizard)
    enter_login(wizard, login)
    run_check(wizard)
    wizard.submit("validation")
    ids = re.findall(r'name="company" value="(\d+)"', wizard.client.get("/onboarding/entities").get_data(as_text=True))
    wizard.submit("entities", company=ids, accept_excess="y")
    assert reload(done).status is OnboardingStatus.COMPLETED
    message = db.session.scalar(db.select(OutboxMessage))
    message.state = OutboxState.DEAD  # a dead hand-off keeps its JWE for a retry
    db.session.commit()
    jwe = message.payload["data"]["credentials"]["jwe"]
    assert done.credential.secret["token"] == login.token  # the vault still holds it

    open_one, open_link = make_onboarding("Open B.V.", "open@example.nl")

    support = SupportActions(app.test_client())
    support.login("admin@support.example", PASSWORD)
    crm = Crm(app.test_client(), api_keys["write"])
    created = crm.post("/onboardings", {"organisation": "API B.V.", "contact_email": "api@example.nl"})
    api_link = created.json["link"]

    bodies = []
    pages = ["/support/", "/support/?partial=1", "/support/export.csv", "/support/funnel",
             "/support/accounts", "/support/api-keys", "/support/invite", "/support/account/password"]
    for onboarding in (done, open_one):
        pages += [f"/support/onboardings/{onboarding.public_id}",
                  f"/support/onboardings/{onboarding.public_id}?partial=1"]
    for page in pages:
        response = support.client.get(page)
        assert response.status_code == 200, page
        bodies.append(response.get_data(as_text=True))
    for path in ("/onboardings", f"/onboardings/{done.public_id}", f"/onboardings/{open_one.public_id}",
                 "/openapi.json"):
        bodies.append(crm.get(path).get_data(as_text=True))
    logs = caplog.text + "".join(capfd.readouterr())

    canaries = {
        "API token": login.token, "hand-off JWE": jwe[:60],
        "invite link": open_link.rsplit("/", 1)[1], "emailed link": done_link.rsplit("/", 1)[1],
        "API's invite link": api_link.rsplit("/", 1)[1],
        "read key": api_keys["read"], "write key": api_keys["write"], "revoked key": api_keys["revoked"],
        "support password": PASSWORD, "support session": support.cookie,
        "secret key": app.config["SECRET_KEY"], "encryption key": app.config["ENCRYPTION_KEYS"][0],
        "webhook secret": app.config["SYNC_WEBHOOK_SECRET"],
    }
    for name, secret in canaries.items():
        assert secret and len(secret) >= 12, name
        leaks = [body[:80] for body in bodies if secret in body]
        assert not leaks, f"{name} on a support page or in an API answer"
        assert secret not in logs, f"{name} in the logs"
    # The scans see what they scan: names and e-mail addresses are there.
    assert any("Klaar B.V." in body for body in bodies) and "POST /support/login" in logs
