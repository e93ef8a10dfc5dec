"""The consent's tokens against the sandbox: rotation, concurrent refreshes, revocation,
failures of the consent or the environment, and that no token leaks anywhere."""
import logging
import re
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import text

from tests.support.connect import come_back, enter_login, go_to_nmbrs, reload, run_check
from tests.support.consent import give_consent
from tests.support.oauth import basic_auth
from wizard.connection.consent.grant import refresh_access, stored_grant
from wizard.extensions import db
from wizard.invites import revoke_invite
from wizard.models import AuditEvent, Credential, MailMessage, Onboarding, ValidationRun


@pytest.fixture
def started(consent_started):
    return consent_started


def consent(wizard, sandbox, scenario="full", **kwargs):
    """Walk to Nmbrs, consent as ``scenario`` and come back: the callback's response."""
    account = sandbox.consent_account(scenario)
    url = give_consent(go_to_nmbrs(wizard), account.username, account.password, **kwargs)
    return come_back(wizard, url)


def refresh_with(sandbox, refresh_token: str) -> requests.Response:
    """A refresh as any client would send it (RFC 6749 Basic auth)."""
    return requests.post(f"{sandbox.identity_url}/connect/token",
                         data={"grant_type": "refresh_token", "refresh_token": refresh_token},
                         auth=basic_auth(*sandbox.oauth_client), timeout=10)


def test_a_refresh_rotates_and_the_old_refresh_token_dies(started, wizard, sandbox):
    consent(wizard, sandbox)
    onboarding = reload(started)
    before = dict(stored_grant(onboarding))
    access = refresh_access(onboarding, seen_refresh_token=before["refresh_token"])
    after = dict(stored_grant(reload(onboarding)))
    assert access == after["access_token"] != before["access_token"]
    assert after["refresh_token"] != before["refresh_token"]
    assert refresh_with(sandbox, before["refresh_token"]).json()["error"] == "invalid_grant"
    assert refresh_with(sandbox, after["refresh_token"]).status_code == 200  # still the live one


def test_concurrent_refreshes_keep_the_connection(started, wizard, sandbox, app):
    """Two refreshes with the same refresh token at once: one rotates, the other sees it."""
    consent(wizard, sandbox)
    onboarding = reload(started)
    seen = stored_grant(onboarding)["refresh_token"]
    results, errors = [], []
    barrier = threading.Barrier(2)

    def refresh():
        with app.app_context():
            barrier.wait()
            try:
                results.append(refresh_access(db.session.get(Onboarding, onboarding.id),
                                              seen_refresh_token=seen))
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == [] and len(results) == 2 and results[0] == results[1]
    stored = stored_grant(reload(onboarding))
    assert stored["access_token"] == results[0]
    assert refresh_with(sandbox, stored["refresh_token"]).status_code == 200


def test_an_expired_access_token_is_renewed_mid_check(started, wizard, sandbox, sandbox_clock):
    consent(wizard, sandbox)
    onboarding = reload(started)
    first = dict(stored_grant(onboarding))
    sandbox_clock.advance(3700)  # Nmbrs now answers 401 40102 to the stored access token
    assert run_check(wizard).status_code == 302
    run = db.session.scalars(db.select(ValidationRun).order_by(ValidationRun.id.desc())).first()
    assert run.authenticated and run.required_ok
    assert stored_grant(reload(onboarding))["refresh_token"] != first["refresh_token"]


def test_a_consent_withdrawn_in_nmbrs_asks_for_consent_again(started, wizard, sandbox):
    consent(wizard, sandbox, scenario="revoked")
    page = wizard.client.get("/onboarding/validation").get_data(as_text=True)
    assert "Nmbrs accepteert de toestemming niet meer" in page
    assert "Opnieuw toestemming geven" in page
    run = db.session.scalars(db.select(ValidationRun)).one()
    assert not run.authenticated and run.failure == "consent_revoked"


def test_an_environment_without_subscription_is_named(started, wizard, sandbox):
    consent(wizard, sandbox, scenario="no_subscription")
    page = wizard.client.get("/onboarding/validation").get_data(as_text=True)
    assert "geen geldig abonnement" in page
    assert db.session.scalars(db.select(ValidationRun)).one().failure == "no_subscription"


def test_our_bad_subscription_key_is_never_blamed_on_the_client(started, wizard, sandbox, app):
    app.config["NMBRS_SUBSCRIPTION_KEY"] = "not-a-subscription-key"
    consent(wizard, sandbox)
    page = wizard.client.get("/onboarding/validation").get_data(as_text=True)
    assert "dat ligt niet aan jou" in page
    run = db.session.scalars(db.select(ValidationRun)).one()
    assert run.failure == "configuration" and not run.required_ok


def test_an_accountant_consent_walks_every_debtor_and_page(started, wizard, sandbox):
    earlier = len(sandbox.state.rest_calls)  # the sandbox is shared by the whole session
    consent(wizard, sandbox, scenario="accountant")
    page = wizard.client.get("/onboarding/validation").get_data(as_text=True)
    assert "Alle verplichte rechten staan aan" in page
    wizard.submit("validation")
    page = wizard.client.get("/onboarding/entities").get_data(as_text=True)
    assert len(re.findall(r'name="company" value="[0-9a-f-]{36}"', page)) == 1040
    calls = [endpoint for scenario, endpoint in sandbox.state.rest_calls[earlier:]
             if scenario == "accountant"]
    assert calls.count("/api/debtors/<debtorId>/companies") >= 40
    assert "/api/companies" not in calls  # refused for multi-debtor consents: walk the debtors


def test_withdrawing_the_invite_ends_the_grant_at_nmbrs(started, wizard, sandbox):
    consent(wizard, sandbox)
    onboarding = reload(started)
    refresh_token = stored_grant(onboarding)["refresh_token"]
    revoke_invite(onboarding)
    assert refresh_with(sandbox, refresh_token).json()["error"] == "invalid_grant"


def test_a_new_consent_replaces_and_revokes_the_old_one(started, wizard, sandbox):
    consent(wizard, sandbox)
    old = stored_grant(reload(started))["refresh_token"]
    assert consent(wizard, sandbox).headers["Location"].endswith("/onboarding/validation")
    new = stored_grant(reload(started))["refresh_token"]
    assert new != old
    assert refresh_with(sandbox, old).json()["error"] == "invalid_grant"


def test_switching_to_the_token_after_consent_uses_the_token(started, wizard, sandbox):
    consent(wizard, sandbox)
    assert wizard.submit("method", method="token").headers["Location"].endswith(
        "/onboarding/credentials")
    enter_login(wizard, sandbox.login("full"))
    onboarding = reload(started)
    assert onboarding.credential.method == "token"
    run = db.session.scalars(db.select(ValidationRun).order_by(ValidationRun.id.desc())).first()
    assert run.method == "token"


def test_a_tampered_pkce_verifier_fails_at_the_token_endpoint(started, wizard, sandbox):
    url = go_to_nmbrs(wizard)
    with wizard.client.session_transaction() as session:
        key = next(k for k in session if k.startswith("_state_nmbrs_"))
        entry = dict(session[key])
        entry["data"] = {**entry["data"], "code_verifier": "x" * 64}
        session[key] = entry
    account = sandbox.consent_account("full")
    answer = come_back(wizard, give_consent(url, account.username, account.password))
    assert answer.status_code == 400 and "is verlopen" in answer.get_data(as_text=True)
    assert db.session.scalars(db.select(Credential)).all() == []


def test_a_used_code_cannot_be_exchanged_again(started, wizard, sandbox):
    account = sandbox.consent_account("full")
    first = give_consent(go_to_nmbrs(wizard), account.username, account.password)
    assert come_back(wizard, first).status_code == 302
    # A new trip to Nmbrs (fresh state in the session), answered with the first, used code.
    second = give_consent(go_to_nmbrs(wizard), account.username, account.password)
    state = parse_qs(urlsplit(second).query)["state"][0]
    code = parse_qs(urlsplit(first).query)["code"][0]
    answer = wizard.client.get(f"/oauth/nmbrs/callback?code={code}&state={state}")
    assert answer.status_code == 400 and "is verlopen" in answer.get_data(as_text=True)


def test_a_slow_identity_server_is_waited_for(started, wizard, sandbox, sandbox_clock):
    sandbox_clock.wait_for_real = False  # the slow account's delay moves the clock instead
    assert consent(wizard, sandbox, scenario="slow").headers["Location"].endswith(
        "/onboarding/validation")
    assert sandbox_clock.waits  # the sandbox did stall


def test_an_identity_server_that_does_not_answer_in_time(started, wizard, sandbox, app):
    account = sandbox.consent_account("slow")  # answers after 3 s
    callback = give_consent(go_to_nmbrs(wizard), account.username, account.password)
    app.config["NMBRS_TIMEOUT"] = 1
    started_at = time.monotonic()
    answer = come_back(wizard, callback)
    assert time.monotonic() - started_at < 3
    assert answer.status_code == 502 and "niet bereikbaar" in answer.get_data(as_text=True)
    assert db.session.scalars(db.select(Credential)).all() == []


def test_no_token_appears_outside_the_vault_and_the_jwe(started, wizard, sandbox, caplog,
                                                      sync_key_pair):
    """Canaries: the real tokens of this consent, looked for everywhere they must not be."""
    caplog.set_level(logging.DEBUG)
    pages = [consent(wizard, sandbox).get_data(as_text=True)]
    onboarding = reload(started)
    grant = dict(stored_grant(onboarding))
    canaries = [grant["access_token"], grant["refresh_token"]]
    for step in ("validation", "entities"):
        pages.append(wizard.client.get(f"/onboarding/{step}").get_data(as_text=True))
    wizard.submit("validation")
    ids = re.findall(r'name="company" value="([0-9a-f-]{36})"', pages[-1]) or re.findall(
        r'name="company" value="([0-9a-f-]{36})"',
        wizard.client.get("/onboarding/entities").get_data(as_text=True))
    wizard.submit("entities", company=ids, accept_excess="y")
    pages.append(wizard.client.get("/onboarding/done").get_data(as_text=True))

    logged = "\n".join(record.getMessage() for record in caplog.records)
    audit = repr([e.details for e in db.session.scalars(db.select(AuditEvent))])
    emails = repr([(m.subject, m.context) for m in db.session.scalars(db.select(MailMessage))])
    raw = repr(db.session.execute(text("SELECT * FROM credential")).all())
    raw += repr(db.session.execute(text("SELECT * FROM onboarding")).all())
    raw += repr(db.session.execute(text("SELECT * FROM validation_run")).all())
    from wizard.models import OutboxMessage
    message = db.session.scalars(db.select(OutboxMessage)).one()
    body = {**message.payload, "data": {**message.payload["data"], "credentials": None}}
    for canary in canaries:
        for where, haystack in (("logs", logged), ("pages", "".join(pages)), ("audit", audit),
                                ("emails", emails), ("database", raw), ("hand-off", repr(body))):
            assert canary not in haystack, f"a token leaked into {where}"
    from wizard.handoff.payload import open_credentials
    assert open_credentials(message.payload["data"]["credentials"],
                            sync_key_pair[0])["secret"]["refresh_token"] == grant["refresh_token"]
