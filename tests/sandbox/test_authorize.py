"""``/connect/authorize``, the login and consent pages: RFC 6749 §4.1, RFC 7636, RFC 8252 §7.3."""
from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
import requests

from tests.support.oauth import REDIRECT_URI, query_of
from tests.support.consent import give_consent, read_form


def test_discovery_names_the_endpoints_of_this_host(nmbrs_sandbox):
    config = requests.get(f"{nmbrs_sandbox.identity_url}/.well-known/openid-configuration",
                          timeout=10).json()
    base = nmbrs_sandbox.identity_url
    assert config["issuer"] == base
    assert config["authorization_endpoint"] == f"{base}/connect/authorize"
    assert config["token_endpoint"] == f"{base}/connect/token"
    assert config["revocation_endpoint"] == f"{base}/connect/revocation"
    assert config["response_types_supported"] == ["code"]
    assert config["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert config["token_endpoint_auth_methods_supported"] == ["client_secret_basic",
                                                              "client_secret_post"]
    assert {"offline_access", "company.info.read", "employee.employment.read",
            "document.read", "user.info.read"} <= set(config["scopes_supported"])


@pytest.mark.parametrize("change", [
    {"client_id": "no-such-client"},
    {"client_id": ""},
    {"redirect_uri": "https://127.0.0.1/oauth/nmbrs/callback"},
    {"redirect_uri": "http://127.0.0.1:8765/oauth/nmbrs/elsewhere"},
    {"redirect_uri": "http://evil.example/oauth/nmbrs/callback"},
    {"redirect_uri": "http://127.0.0.1:8765/oauth/nmbrs/callback?next=/x"},
    {"redirect_uri": ""},
])
def test_unknown_client_or_redirect_is_shown_at_the_identity_server(oauth, change):
    url = oauth.authorize_url(**change)
    response = requests.get(url, allow_redirects=False, timeout=10)
    assert response.status_code == 400 and "Location" not in response.headers
    assert response.headers["Content-Type"].startswith("text/html")
    assert re.search(r"invalid_(client|request)", response.text)


@pytest.mark.parametrize("redirect_uri", ["http://127.0.0.1:40111/oauth/nmbrs/callback",
                                          "http://127.0.0.1:5000/oauth/nmbrs/callback",
                                          "http://localhost:61000/oauth/nmbrs/callback"])
def test_a_loopback_redirect_matches_any_port(oauth, nmbrs_sandbox, redirect_uri):
    url = oauth.authorize_url(redirect_uri=redirect_uri, state="s-1")
    callback = give_consent(url, *nmbrs_sandbox.consent_account("full"))
    assert callback.startswith(f"{redirect_uri}?") and query_of(callback)["state"] == "s-1"
    token = oauth.exchange(query_of(callback)["code"], redirect_uri=redirect_uri)
    assert token.status_code == 200


@pytest.mark.parametrize(("change", "error"), [
    ({"scope": "company.info.read payroll.everything"}, "invalid_scope"),
    ({"scope": ""}, "invalid_scope"),
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"code_challenge_method": "plain"}, "invalid_request"),
    ({"pkce": False}, "invalid_request"),            # the demo client requires PKCE
    ({"code_challenge": "too-short"}, "invalid_request"),
])
def test_bad_requests_from_a_known_client_go_back_with_an_error(oauth, change, error):
    url = oauth.authorize_url(state="keep me", **change)
    response = requests.get(url, allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"{REDIRECT_URI}?")
    returned = query_of(response.headers["Location"])
    assert returned["error"] == error and returned["state"] == "keep me"
    assert returned["error_description"]


def test_a_parameter_sent_twice_is_refused(oauth):
    url = oauth.authorize_url() + "&" + urlencode({"scope": "document.read"})
    response = requests.get(url, allow_redirects=False, timeout=10)
    assert query_of(response.headers["Location"])["error"] == "invalid_request"


def test_deny_sends_the_user_back_with_access_denied(oauth):
    returned = oauth.consent("full", state="s/é&=?", deny=True)
    assert returned["error"] == "access_denied" and returned["error_description"]
    assert returned["state"] == "s/é&=?" and "code" not in returned


def test_allow_returns_a_code_and_the_state_unchanged(oauth):
    returned = oauth.consent("full", state="a b+c/é")
    assert returned["state"] == "a b+c/é" and len(returned["code"]) >= 32


def test_the_user_may_untick_scopes_and_the_grant_is_narrower(oauth):
    token = oauth.tokens_for("full", untick=["employee.employment.read", "document.read"])
    granted = token["scope"].split()
    assert "employee.employment.read" not in granted and "document.read" not in granted
    assert {"company.info.read", "employee.info.read", "offline_access"} <= set(granted)


def test_untick_account_opens_with_a_required_scope_unticked(oauth, nmbrs_sandbox):
    session = requests.Session()
    url = oauth.authorize_url()
    give_consent(url, *nmbrs_sandbox.consent_account("untick"), session=session)
    form = read_form(session.get(url, timeout=10).text)
    unticked = [value for name, value, ticked in form.checkboxes if not ticked]
    assert unticked == ["employee.employment.read"]
    token = oauth.tokens_for("untick")
    assert "employee.employment.read" not in token["scope"].split()


def test_offline_access_brings_a_refresh_token_only_when_asked(oauth):
    without = oauth.tokens_for("full", "company.info.read")
    assert "refresh_token" not in without and without["scope"] == "company.info.read"
    declined = oauth.tokens_for("full", "offline_access company.info.read",
                                untick=["offline_access"])
    assert "refresh_token" not in declined


def test_a_second_authorize_in_the_same_browser_goes_straight_to_consent(oauth, nmbrs_sandbox):
    session = requests.Session()
    url = oauth.authorize_url()
    give_consent(url, *nmbrs_sandbox.consent_account("full"), session=session)
    again = session.get(url, allow_redirects=False, timeout=10)
    assert again.status_code == 200 and read_form(again.text).action == "/consent"
    assert "sanne@bakkerijvandenberg.example" in again.text
    returned = query_of(give_consent(url, "", "", session=session))
    assert returned["code"]


def test_not_you_logs_in_as_someone_else(oauth, nmbrs_sandbox):
    session = requests.Session()
    url = oauth.authorize_url()
    give_consent(url, *nmbrs_sandbox.consent_account("full"), session=session)
    consent = session.get(url, timeout=10)
    switch = re.search(r'<a href="(/account/login\?[^"]+)">', consent.text).group(1)
    login_page = session.get(nmbrs_sandbox.identity_url + switch.replace("&amp;", "&"),
                             timeout=10)
    form = read_form(login_page.text)
    account = nmbrs_sandbox.consent_account("accountant")
    after = session.post(f"{nmbrs_sandbox.identity_url}{form.action}", timeout=10,
                         data=dict(form.fields) | account._asdict())
    assert account.username in after.text and "sanne@" not in after.text


def test_wrong_password_is_explained_on_the_login_page(oauth, nmbrs_sandbox):
    session = requests.Session()
    page = session.get(oauth.authorize_url(), timeout=10)
    form = read_form(page.text)
    response = session.post(f"{nmbrs_sandbox.identity_url}{form.action}", timeout=10,
                            data=dict(form.fields) | {"username": "sanne@bakkerijvandenberg.example",
                                                      "password": "wrong"})
    assert response.status_code == 200 and 'class="error-summary"' in response.text
    assert 'aria-invalid="true"' in response.text and "klopt niet" in response.text
    assert 'value="sanne@bakkerijvandenberg.example"' in response.text
    assert "wrong" not in response.text


def test_consent_with_nothing_ticked_asks_again(oauth, nmbrs_sandbox):
    session = requests.Session()
    url = oauth.authorize_url("offline_access company.info.read")
    with pytest.raises(AssertionError, match="did not send the user back"):
        give_consent(url, *nmbrs_sandbox.consent_account("full"), session=session,
                     untick=["company.info.read"])


@pytest.mark.parametrize(("extra", "headers", "language", "words"), [
    ({}, {}, "nl", ("Inloggen bij Nmbrs", "Wachtwoord", "Toestaan", "Weigeren")),
    ({"ui_locales": "en"}, {}, "en", ("Log in to Nmbrs", "Password", "Allow", "Deny")),
    ({}, {"Accept-Language": "en-GB,en;q=0.8"}, "en", ("Log in to Nmbrs", "Allow")),
    ({"ui_locales": "de en"}, {"Accept-Language": "nl"}, "en", ("Log in to Nmbrs", "Allow")),
])
def test_pages_speak_dutch_by_default_and_english_on_request(oauth, nmbrs_sandbox, extra,
                                                             headers, language, words):
    session = requests.Session()
    session.headers.update(headers)
    url = oauth.authorize_url(**extra)
    login = session.get(url, timeout=10)
    form = read_form(login.text)
    consent = session.post(f"{nmbrs_sandbox.identity_url}{form.action}", timeout=10,
                           data=dict(form.fields) | nmbrs_sandbox.consent_account("full")._asdict())
    for page in (login, consent):
        assert f'<html lang="{language}">' in page.text
        assert page.text.count("<h1>") == 1 and "<title>" in page.text
    text = login.text + consent.text
    assert all(word in text for word in words)
    assert "<fieldset" in consent.text and "<legend>" in consent.text
    for box in re.findall(r'<input id="(scope-\d+)"', consent.text):
        assert f'<label for="{box}">' in consent.text


def test_pages_refuse_framing_and_forms_need_the_session_token(oauth, nmbrs_sandbox):
    session = requests.Session()
    page = session.get(oauth.authorize_url(), timeout=10)
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    form = read_form(page.text)
    account = nmbrs_sandbox.consent_account("full")._asdict()
    forged = dict(form.fields) | account | {"csrf_token": "forged"}
    response = session.post(f"{nmbrs_sandbox.identity_url}{form.action}", data=forged, timeout=10)
    assert response.status_code == 400
    stranger = requests.post(f"{nmbrs_sandbox.identity_url}{form.action}",
                             data=dict(form.fields) | account, timeout=10)
    assert stranger.status_code == 400      # the token belongs to another browser's session
    consent = session.post(f"{nmbrs_sandbox.identity_url}{form.action}",
                           data=dict(form.fields) | account, timeout=10)
    consent_form = read_form(consent.text)
    forged_consent = dict(consent_form.fields) | {"csrf_token": "forged", "decision": "allow",
                                                  "scope": "company.info.read"}
    refused = session.post(f"{nmbrs_sandbox.identity_url}/consent", data=forged_consent,
                           allow_redirects=False, timeout=10)
    assert refused.status_code == 400 and "Location" not in refused.headers


def test_login_only_returns_to_our_own_authorize_endpoint(oauth, nmbrs_sandbox):
    session = requests.Session()
    form = read_form(session.get(oauth.authorize_url(), timeout=10).text)
    data = dict(form.fields) | nmbrs_sandbox.consent_account("full")._asdict() | {
        "returnUrl": "https://evil.example/connect/authorize?x=1"}
    response = session.post(f"{nmbrs_sandbox.identity_url}{form.action}", data=data,
                            allow_redirects=False, timeout=10)
    assert response.status_code == 400 and "Location" not in response.headers
    unknown_client = "/connect/authorize?" + urlencode({"client_id": "nobody"})
    page = session.get(f"{nmbrs_sandbox.identity_url}/account/login",
                       params={"returnUrl": unknown_client}, timeout=10)
    assert page.status_code == 400 and "invalid_client" in page.text


def test_the_slow_account_takes_three_seconds_on_the_clock(private_oauth, private_sandbox):
    clock = private_sandbox.state.clock
    token = private_oauth.tokens_for("slow")
    assert clock.waits == [3.0, 3.0, 3.0, 3.0]   # login, consent page, decision, token
    private_oauth.refresh(token["refresh_token"])
    assert clock.waits == [3.0] * 5
    private_oauth.tokens_for("full")
    assert clock.waits == [3.0] * 5
