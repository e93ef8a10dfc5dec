"""Support's single sign-on through an OpenID Connect provider (real HTTP, authlib, RS256)."""
from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.support.oidc_provider import Identity, OidcProvider
from wizard.config import ConfigurationError, load_config
from wizard.models import AuditEvent

from .conftest import SupportActions


@pytest.fixture(scope="module")
def provider():
    server = OidcProvider().start()
    yield server
    server.stop()


@pytest.fixture
def sso(app, provider):
    provider.tamper = None
    app.config.update(SUPPORT_OIDC_DISCOVERY_URL=provider.discovery_url,
                      SUPPORT_OIDC_CLIENT_ID=OidcProvider.CLIENT_ID,
                      SUPPORT_OIDC_CLIENT_SECRET=OidcProvider.CLIENT_SECRET,
                      SUPPORT_OIDC_PROVIDER_NAME="Microsoft")
    return provider


def sign_on(client, next_page: str = ""):
    """Click "Inloggen met …", let the provider send the browser back, land on the callback."""
    start = client.get("/support/login/sso" + (f"?next={next_page}" if next_page else ""))
    assert start.status_code == 302, start.get_data(as_text=True)
    at_provider = requests.get(start.headers["Location"], allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["Location"])
    return client.get(f"{back.path}?{back.query}")


def test_the_login_page_offers_the_provider_by_name(client, sso):
    page = client.get("/support/login").get_data(as_text=True)
    assert "Inloggen met Microsoft" in page and 'href="/support/login/sso"' in page
    assert 'name="password"' in page


def test_without_configuration_there_is_no_single_sign_on(client):
    assert "/support/login/sso" not in client.get("/support/login").get_data(as_text=True)
    assert client.get("/support/login/sso").status_code == 404
    assert client.get("/support/login/sso/callback?code=x&state=y").status_code == 404


def test_a_verified_colleague_with_an_account_gets_a_support_session(app, client, sso, agent_user):
    sso.next_identity = Identity(agent_user.email.upper())
    landed = sign_on(client, next_page="/support/funnel")
    assert landed.status_code == 302 and landed.headers["Location"] == "/support/funnel"
    actions = SupportActions(client)
    assert actions.cookie and client.get("/support/").status_code == 200
    events = AuditEvent.query.filter_by(event_type="support_user.signed_on").all()
    assert [event.details["user_id"] for event in events] == [agent_user.id]


def test_the_authorization_request_uses_pkce_a_nonce_and_our_callback(app, client, sso):
    start = client.get("/support/login/sso")
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["nonce"][0] and query["state"][0]
    assert query["redirect_uri"] == [app.config["PUBLIC_URL"] + "/support/login/sso/callback"]
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}


@pytest.mark.parametrize("identity, status, words", [
    (Identity("nobody@support.example"), 403, "geen support-account"),
    (Identity("agent@support.example", email_verified=False), 403, "geen bevestigd e-mailadres"),
    (Identity("agent@support.example", email_verified=None), 403, "geen bevestigd e-mailadres"),
])
def test_who_may_not_come_in_gets_a_page_saying_why(client, sso, agent_user, identity, status, words):
    sso.next_identity = identity
    page = sign_on(client)
    assert page.status_code == status and words in page.get_data(as_text=True)
    assert client.get("/support/").status_code == 302  # still logged out


def test_a_deactivated_account_stays_out(client, sso, agent_user, admin_user):
    from wizard.staff import set_active

    set_active(agent_user, False, by=admin_user)
    sso.next_identity = Identity(agent_user.email)
    page = sign_on(client)
    assert page.status_code == 403 and "uitgeschakeld" in page.get_data(as_text=True)


@pytest.mark.parametrize("tamper", ["audience", "issuer", "nonce", "expired", "signature"])
def test_an_id_token_that_does_not_check_out_is_refused(client, sso, agent_user, tamper, caplog):
    sso.next_identity = Identity(agent_user.email)
    sso.tamper = tamper
    with caplog.at_level(logging.DEBUG):
        page = sign_on(client)
    assert page.status_code in (400, 502)
    assert client.get("/support/").status_code == 302
    assert "eyJ" not in caplog.text  # no token in any log line


def test_state_is_single_use_and_bound_to_the_browser(app, client, sso, agent_user):
    sso.next_identity = Identity(agent_user.email)
    start = client.get("/support/login/sso")
    back = urlsplit(requests.get(start.headers["Location"], allow_redirects=False,
                                 timeout=5).headers["Location"])
    callback = f"{back.path}?{back.query}"
    other_browser = app.test_client()
    assert other_browser.get(callback).status_code == 400
    assert client.get(callback).status_code == 302
    client.delete_cookie("wizard_support", path="/support")
    assert client.get(callback).status_code == 400  # replayed


def test_the_user_denying_at_the_provider_is_a_page_not_an_error(client, sso):
    sso.tamper = "deny"
    page = sign_on(client)
    assert page.status_code == 400 and "niet gelukt" in page.get_data(as_text=True)


def test_an_unreachable_provider_is_a_503_page(app, client, sso):
    app.config["SUPPORT_OIDC_DISCOVERY_URL"] = "http://127.0.0.1:9/.well-known/openid-configuration"
    page = client.get("/support/login/sso")
    assert page.status_code == 503 and "niet bereikbaar" in page.get_data(as_text=True)


def test_the_next_page_never_leaves_support(client, sso, agent_user):
    sso.next_identity = Identity(agent_user.email)
    landed = sign_on(client, next_page="https://evil.example/")
    assert landed.headers["Location"] == "/support/"


def test_password_login_can_be_turned_off(app, client, sso, agent_user):
    app.config["SUPPORT_PASSWORD_LOGIN"] = False
    page = client.get("/support/login").get_data(as_text=True)
    assert 'name="password"' not in page and "Inloggen met Microsoft" in page
    refused = client.post("/support/login", data={"email": agent_user.email, "password": "x" * 20})
    assert refused.status_code in (400, 403)


def test_configuration_is_complete_or_refused(monkeypatch):
    monkeypatch.setenv("WIZARD_SUPPORT_OIDC_DISCOVERY_URL", "https://login.example/.well-known/openid-configuration")
    with pytest.raises(ConfigurationError, match="SUPPORT_OIDC_CLIENT_ID"):
        load_config({"ENV": "testing"})
    monkeypatch.delenv("WIZARD_SUPPORT_OIDC_DISCOVERY_URL")
    with pytest.raises(ConfigurationError, match="SUPPORT_OIDC_DISCOVERY_URL"):
        load_config({"ENV": "testing", "SUPPORT_PASSWORD_LOGIN": "false"})
