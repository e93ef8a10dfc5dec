"""What a refused client sees and what the log says: the client's language, never who."""
from __future__ import annotations

import logging

import pytest

from tests.conftest import WizardActions
from tests.limits.conftest import lowered
from tests.support.connect import to_credentials
from wizard.rate_limits import RULES, wait_in_words

TOKEN = "canary-token-0123456789abcdef"
USERNAME = "canary.login@devries.example"
ADDRESS = "192.0.2.55"


@pytest.fixture
def client_at_credentials(app, make_onboarding, monkeypatch):
    """``client_at_credentials(language)``: a browser on the token form, from ``ADDRESS``."""
    def no_nmbrs(*args):
        raise AssertionError("a form the wizard refuses itself never reaches Nmbrs")

    monkeypatch.setattr("wizard.steps.credentials.check_login", no_nmbrs)

    def make(language: str = "nl") -> WizardActions:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = ADDRESS
        actions = WizardActions(client)
        _, link = make_onboarding(language=language, email="hr.canary@devries.example")
        actions.open_invite(link)
        to_credentials(actions)
        return actions
    return make


def submit_short_token(actions: WizardActions):
    """A submission the form refuses itself (no Nmbrs call): it still counts."""
    return actions.submit("credentials", username=USERNAME, token="short", domain="")


@lowered(RATELIMIT_CREDENTIALS_PER_ONBOARDING="1/hour")
def test_dutch_page_says_why_and_how_long(client_at_credentials):
    actions = client_at_credentials("nl")
    assert submit_short_token(actions).status_code == 422
    refused = submit_short_token(actions)
    assert refused.status_code == 429
    assert refused.mimetype == "text/html"
    page = refused.get_data(as_text=True)
    assert '<html lang="nl"' in page
    assert "<h1>Even geduld</h1>" in page
    assert "Elke poging controleren we bij Nmbrs" in page
    assert "Probeer het over 60 minuten opnieuw." in page  # Retry-After, rounded up, in words
    assert "Wat je al had ingevuld, is bewaard." in page
    assert int(refused.headers["Retry-After"]) > 3500


@lowered(RATELIMIT_CREDENTIALS_PER_ONBOARDING="1/minute")
def test_english_page_for_an_english_client(client_at_credentials):
    actions = client_at_credentials("en")
    submit_short_token(actions)
    page = submit_short_token(actions).get_data(as_text=True)
    assert '<html lang="en"' in page
    assert "<h1>Please wait</h1>" in page
    assert "We check every attempt with Nmbrs" in page
    assert "Please try again in" in page
    assert "Even geduld" not in page


def test_wait_in_words_never_too_early(app):
    with app.test_request_context():
        assert wait_in_words(45) == "45 seconden"
        assert wait_in_words(61) == "61 seconden"
        assert wait_in_words(150) == "3 minuten"
        assert wait_in_words(3601) == "61 minuten"
        assert wait_in_words(3 * 3600 + 1) == "4 uur"


@lowered(RATELIMIT_CREDENTIALS_PER_ONBOARDING="1/minute")
def test_every_refusal_is_logged_without_who(client_at_credentials, caplog):
    caplog.set_level(logging.DEBUG)
    actions = client_at_credentials()
    submit_short_token(actions)
    caplog.clear()
    actions.client.post("/onboarding/credentials", data={
        "csrf_token": actions.csrf_token("credentials"), "username": USERNAME, "token": TOKEN})
    refusals = [r for r in caplog.records if r.name == "wizard.rate_limits"]
    assert len(refusals) == 1
    assert refusals[0].levelno == logging.WARNING
    message = refusals[0].getMessage()
    assert "credentials-per-onboarding" in message and "/onboarding/<name>" in message
    everything = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (TOKEN, USERNAME, "hr.canary@devries.example", ADDRESS):
        assert secret not in everything


@lowered(RATELIMIT_INVITE_OPEN_PER_IP="1/minute")
def test_invite_refusal_promises_nothing_about_saved_work(client):
    client.get("/i/not-a-real-token")
    page = client.get("/i/not-a-real-token").get_data(as_text=True)
    assert "Er zijn vanaf dit netwerk veel uitnodigingslinks geopend." in page
    assert "Wat je al had ingevuld" not in page


@lowered(RATELIMIT_SUPPORT_LOGIN_PER_IP="1/minute")
def test_support_login_refusal_is_a_page_too(client):
    client.post("/support/login", data={"email": "a@support.example", "password": "x"})
    refused = client.post("/support/login", data={"email": "a@support.example", "password": "x"})
    # The CSRF check runs first: a POST without a token never counts.
    assert refused.status_code == 400
    from tests.dashboard.conftest import SupportActions

    support = SupportActions(client)
    support.login("a@support.example", "wrong")
    refused = support.login("a@support.example", "wrong")
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Er is vaak geprobeerd in te loggen." in page
    assert "Wat je al had ingevuld" not in page  # not a wizard page
    assert "a@support.example" not in page


def test_rules_name_distinct_settings_and_scopes(app):
    assert len({rule.name for rule in RULES}) == len(RULES)
    for rule in RULES:
        assert all(endpoint in app.view_functions for endpoint in rule.endpoints), rule.name
