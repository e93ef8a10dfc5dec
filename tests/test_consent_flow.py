""""Inloggen met Nmbrs" over HTTP against the sandbox's identity server and REST API."""
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.connect import come_back, go_to_nmbrs, reload, through_package
from tests.support.consent import give_consent
from wizard.extensions import db
from wizard.models import AuditEvent, Credential, OnboardingStatus, OutboxMessage, ValidationRun


@pytest.fixture
def started(consent_started):
    return consent_started


def consent(sandbox, url, scenario="full", **kwargs):
    account = sandbox.consent_account(scenario)
    return give_consent(url, account.username, account.password, **kwargs)


def events(kind):
    return [e.details for e in db.session.scalars(db.select(AuditEvent).filter_by(event_type=kind))]


def test_method_step_recommends_consent_and_explains_the_token_deadline(make_onboarding, wizard,
                                                                         sandbox):
    _, link = make_onboarding()
    wizard.open_invite(link)
    through_package(wizard)
    page = wizard.client.get("/onboarding/method").get_data(as_text=True)
    assert page.index('value="oauth"') < page.index('value="token"')
    assert re.search(r'value="oauth"[^>]*checked', page) and "Aanbevolen" in page
    assert "1 maart 2027" in page


def test_authorization_request_asks_the_profile_scopes_with_state_and_pkce(started, wizard, sandbox):
    page = wizard.client.get("/onboarding/consent").get_data(as_text=True)
    assert "Medewerkers:" in page and "contracten, salarissen en roosters" in page
    url = go_to_nmbrs(wizard)
    assert url.startswith(f"{sandbox.identity_url}/connect/authorize?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert query["response_type"] == "code" and query["client_id"] == sandbox.oauth_client.client_id
    assert query["redirect_uri"] == "http://127.0.0.1:5000/oauth/nmbrs/callback"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 20
    assert set(query["scope"].split()) == {
        "offline_access", "user.info.read", "company.info.read", "company.payrollsettings.read",
        "company.document.read", "document.read", "employee.info.read", "employee.employment.read",
        "employee.payrollsettings.read"}


def test_full_consent_to_done_hands_off_an_oauth_connection(started, wizard, sandbox, sync_key_pair):
    onboarding = started
    back = come_back(wizard, consent(sandbox, go_to_nmbrs(wizard)))
    assert back.status_code == 302 and back.headers["Location"].endswith("/onboarding/validation")
    page = wizard.client.get("/onboarding/validation").get_data(as_text=True)
    assert "Alle verplichte rechten staan aan" in page
    assert "Ingelogd bij Nmbrs als Sanne van den Berg" in page
    run = db.session.scalars(db.select(ValidationRun)).one()
    assert run.method == "oauth" and run.required_ok and run.checked == 9 and run.ok_count == 9

    assert wizard.submit("validation").headers["Location"].endswith("/onboarding/entities")
    page = wizard.client.get("/onboarding/entities").get_data(as_text=True)
    ids = re.findall(r'name="company" value="([0-9a-f-]{36})"', page)
    assert len(ids) == 3
    done = wizard.submit("entities", company=ids[:2], accept_excess="y")
    assert done.headers["Location"].endswith("/onboarding/done")
    onboarding = reload(onboarding)
    assert onboarding.status is OnboardingStatus.COMPLETED

    message = db.session.scalars(db.select(OutboxMessage)).one()
    data = message.payload["data"]
    assert data["connection"]["method"] == "oauth"
    assert "offline_access" in data["connection"]["scopes"]
    assert data["connection"]["consented_by"] == {"name": "Sanne van den Berg",
                                                   "email": "sanne@bakkerijvandenberg.example"}
    assert [c["id"] for c in data["companies"]] == ids[:2] or sorted(
        c["id"] for c in data["companies"]) == sorted(ids[:2])
    from wizard.handoff.payload import open_credentials
    opened = open_credentials(data["credentials"], sync_key_pair[0])
    assert opened["method"] == "oauth" and opened["secret"]["refresh_token"]
    assert set(opened["secret"]) == {"refresh_token", "access_token", "access_token_expires_at",
                                     "token_type", "scope"}


def test_denied_consent_stores_nothing_and_offers_to_try_again(started, wizard, sandbox):
    onboarding = started
    back = come_back(wizard, consent(sandbox, go_to_nmbrs(wizard), deny=True))
    text = back.get_data(as_text=True)
    assert back.status_code == 200 and "Je hebt geen toestemming gegeven" in text
    assert "Opnieuw inloggen bij Nmbrs" in text
    assert db.session.scalars(db.select(Credential)).all() == []
    assert not reload(onboarding).answers.has("credentials")
    assert events("consent.failed") == [{"problem": "denied"}]
    # Retrying works.
    back = come_back(wizard, consent(sandbox, go_to_nmbrs(wizard)))
    assert back.headers["Location"].endswith("/onboarding/validation")


def test_an_unticked_required_scope_is_named_with_its_fix(started, wizard, sandbox):
    back = come_back(wizard, consent(sandbox, go_to_nmbrs(wizard), scenario="untick"))
    assert back.headers["Location"].endswith("/onboarding/validation")
    page = wizard.client.get("/onboarding/validation").get_data(as_text=True)
    assert "Er ontbreken nog rechten" in page
    assert "employee.employment.read" in page
    assert "laat op de pagina van Nmbrs alle vakjes aangevinkt" in page
    assert wizard.submit("validation").status_code == 422


@pytest.mark.parametrize("tamper", ["other_state", "no_state", "replay"])
def test_state_must_match_this_browser_once(started, wizard, sandbox, tamper):
    callback = consent(sandbox, go_to_nmbrs(wizard))
    parts = urlsplit(callback)
    query = parse_qs(parts.query)
    if tamper == "other_state":
        url = f"{parts.path}?code={query['code'][0]}&state=forged-state-value"
    elif tamper == "no_state":
        url = f"{parts.path}?code={query['code'][0]}"
    else:
        assert wizard.client.get(f"{parts.path}?{parts.query}").status_code == 302
        url = f"{parts.path}?{parts.query}"
    answer = wizard.client.get(url)
    assert answer.status_code == 400
    assert "hoort niet bij deze koppeling" in answer.get_data(as_text=True)


def test_the_callback_in_another_browser_is_refused(started, wizard, sandbox, app):
    callback = consent(sandbox, go_to_nmbrs(wizard))
    parts = urlsplit(callback)
    other = app.test_client().get(f"{parts.path}?{parts.query}")
    assert other.status_code == 400 and "Open eerst je uitnodigingslink" in other.get_data(as_text=True)
    assert db.session.scalars(db.select(Credential)).all() == []


def test_an_expired_code_asks_to_log_in_again(started, wizard, sandbox, sandbox_clock):
    callback = consent(sandbox, go_to_nmbrs(wizard))
    sandbox_clock.advance(6 * 60)  # codes live 5 minutes
    answer = come_back(wizard, callback)
    assert answer.status_code == 400 and "is verlopen" in answer.get_data(as_text=True)
    assert db.session.scalars(db.select(Credential)).all() == []


def test_a_wrong_client_secret_is_our_problem_not_the_clients(started, wizard, sandbox, app):
    callback = consent(sandbox, go_to_nmbrs(wizard))
    app.config["NMBRS_OAUTH_CLIENT_SECRET"] = "not-the-secret"
    answer = come_back(wizard, callback)
    assert answer.status_code == 502 and "ligt niet aan jou" in answer.get_data(as_text=True)
    assert db.session.scalars(db.select(Credential)).all() == []


def test_consent_is_hidden_without_client_configuration(make_onboarding, wizard, sandbox, app):
    app.config["NMBRS_OAUTH_CLIENT_ID"] = None
    _, link = make_onboarding()
    wizard.open_invite(link)
    through_package(wizard)
    page = wizard.client.get("/onboarding/method").get_data(as_text=True)
    assert 'value="oauth"' not in page and "Inloggen met Nmbrs" not in page
    assert wizard.submit("method", method="oauth").status_code == 422
