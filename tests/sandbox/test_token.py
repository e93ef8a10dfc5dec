"""``/connect/token``: codes, PKCE, client authentication, rotating refresh tokens (NMBRS.md §10)."""
from __future__ import annotations

import base64
import logging
import threading

import pytest
import requests

from tests.support.oauth import REDIRECT_URI, basic_auth, pkce_pair, query_of
from tests.support.consent import give_consent


def error_of(response: requests.Response) -> str:
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Cache-Control"] == "no-store"
    return response.json()["error"]


def test_a_code_works_once_and_its_reuse_revokes_what_it_issued(oauth):
    code = oauth.consent("full")["code"]
    first = oauth.exchange(code)
    assert first.status_code == 200
    tokens = first.json()
    assert oauth.api("/api/debtors", tokens["access_token"]).status_code == 200
    again = oauth.exchange(code)
    assert again.status_code == 400 and error_of(again) == "invalid_grant"
    assert oauth.api("/api/debtors", tokens["access_token"]).json()["code"] == 40102
    assert error_of(oauth.refresh(tokens["refresh_token"])) == "invalid_grant"


def test_a_code_expires_after_five_minutes(private_oauth, private_sandbox):
    fresh = private_oauth.consent("full")["code"]
    stale = private_oauth.consent("full")["code"]
    private_sandbox.state.clock.advance(299)
    assert private_oauth.exchange(fresh).status_code == 200
    private_sandbox.state.clock.advance(2)
    assert error_of(private_oauth.exchange(stale)) == "invalid_grant"


@pytest.mark.parametrize("verifier", ["", pkce_pair()[0], "short"])
def test_the_pkce_verifier_must_match_the_challenge(oauth, verifier):
    code = oauth.consent("full")["code"]
    response = oauth.exchange(code, code_verifier=verifier)
    assert response.status_code == 400 and error_of(response) == "invalid_grant"
    # Like IdentityServer, a failed attempt consumes the code: no guessing the verifier.
    assert error_of(oauth.exchange(code)) == "invalid_grant"


def test_the_redirect_uri_must_equal_the_authorize_one(oauth):
    code = oauth.consent("full")["code"]
    other = REDIRECT_URI.replace("8765", "8766")
    assert error_of(oauth.exchange(code, redirect_uri=other)) == "invalid_grant"
    assert error_of(oauth.token(redirect_uri="", grant_type="authorization_code",
                                code=oauth.consent("full")["code"])) == "invalid_request"


def test_basic_credentials_without_form_urlencoding_are_invalid_client(oauth):
    code = oauth.consent("full")["code"]
    raw = (oauth.client_id, oauth.secret)             # what a client that skips §2.3.1 sends
    response = oauth.token(auth=raw, grant_type="authorization_code", code=code,
                           code_verifier=oauth.verifier)
    assert response.status_code == 401 and error_of(response) == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert set("+%$*/") & set(oauth.secret)      # the demo secret keeps this test honest


def test_client_secret_post_works_and_a_wrong_secret_is_invalid_client(oauth, nmbrs_sandbox):
    url = f"{nmbrs_sandbox.identity_url}/connect/token"
    code = oauth.consent("full")["code"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
            "code_verifier": oauth.verifier, "client_id": oauth.client_id}
    wrong = requests.post(url, data=form | {"client_secret": "guess"}, timeout=10)
    assert wrong.status_code == 401 and error_of(wrong) == "invalid_client"
    assert "WWW-Authenticate" not in wrong.headers
    code = oauth.consent("full")["code"]
    right = requests.post(url, data=form | {"code": code, "client_secret": oauth.secret},
                          timeout=10)
    assert right.status_code == 200 and right.json()["access_token"]


@pytest.mark.parametrize(("auth", "form", "error", "status"), [
    (None, {}, "invalid_client", 401),
    ("basic", {"client_secret": "x"}, "invalid_request", 400),
    ("Basic not-base64!", {}, "invalid_client", 401),
    ("Basic " + base64.b64encode(b"no-colon").decode(), {}, "invalid_client", 401),
])
def test_client_authentication_must_be_one_well_formed_method(oauth, nmbrs_sandbox, auth, form,
                                                              error, status):
    headers = {}
    if auth == "basic":
        credentials = ":".join(basic_auth(oauth.client_id, oauth.secret)).encode()
        headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode()
    elif auth:
        headers["Authorization"] = auth
    response = requests.post(f"{nmbrs_sandbox.identity_url}/connect/token", headers=headers,
                             data={"grant_type": "refresh_token", "refresh_token": "x"} | form,
                             timeout=10)
    assert response.status_code == status and error_of(response) == error


@pytest.mark.parametrize(("grant_type", "error"), [("", "invalid_request"),
                                                   ("client_credentials", "unauthorized_client"),
                                                   ("urn:example:magic", "unsupported_grant_type")])
def test_only_the_code_and_refresh_grants_are_open(oauth, grant_type, error):
    assert error_of(oauth.token(grant_type=grant_type)) == error


def test_the_token_endpoint_takes_a_form(oauth, nmbrs_sandbox):
    response = requests.post(f"{nmbrs_sandbox.identity_url}/connect/token", timeout=10,
                             json={"grant_type": "refresh_token"},
                             auth=basic_auth(oauth.client_id, oauth.secret))
    assert error_of(response) == "invalid_request"


def test_refresh_tokens_rotate(oauth):
    tokens = oauth.tokens_for("full")
    renewed = oauth.refresh(tokens["refresh_token"])
    assert renewed.status_code == 200
    body = renewed.json()
    assert body["refresh_token"] != tokens["refresh_token"]
    assert body["scope"] == tokens["scope"] and body["expires_in"] == 3600
    assert error_of(oauth.refresh(tokens["refresh_token"])) == "invalid_grant"
    assert oauth.refresh(body["refresh_token"]).status_code == 200


def test_two_concurrent_refreshes_exactly_one_wins(oauth):
    refresh_token = oauth.tokens_for("full")["refresh_token"]
    start = threading.Barrier(8)
    outcomes = []

    def race():
        start.wait()
        outcomes.append(oauth.refresh(refresh_token))

    racers = [threading.Thread(target=race) for _ in range(8)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert sorted(r.status_code for r in outcomes) == [200] + [400] * 7
    assert {error_of(r) for r in outcomes if r.status_code == 400} == {"invalid_grant"}


def test_refresh_may_narrow_the_scope_but_never_widen_it(oauth):
    tokens = oauth.tokens_for("full", "offline_access company.info.read employee.info.read")
    wider = oauth.refresh(tokens["refresh_token"], scope="company.info.read document.read")
    assert wider.status_code == 400 and error_of(wider) == "invalid_scope"
    narrow = oauth.refresh(tokens["refresh_token"], scope="company.info.read")
    assert narrow.status_code == 200 and narrow.json()["scope"] == "company.info.read"
    access = narrow.json()["access_token"]
    assert oauth.api("/api/debtors", access).status_code == 200
    companies = oauth.api("/api/companies", access).json()["data"]
    employees = oauth.api(f"/api/companies/{companies[0]['companyId']}/employees", access)
    assert employees.status_code == 403 and employees.json()["code"] == 40303
    # The new refresh token keeps the scope granted at consent (RFC 6749 §6).
    full_again = oauth.refresh(narrow.json()["refresh_token"])
    assert full_again.json()["scope"] == tokens["scope"]


def test_an_access_token_expires_after_an_hour_and_refresh_replaces_it(private_oauth,
                                                                       private_sandbox):
    tokens = private_oauth.tokens_for("full")
    private_sandbox.state.clock.advance(3599)
    assert private_oauth.api("/api/debtors", tokens["access_token"]).status_code == 200
    private_sandbox.state.clock.advance(1)
    expired = private_oauth.api("/api/debtors", tokens["access_token"])
    assert expired.status_code == 401 and expired.json()["code"] == 40102
    renewed = private_oauth.refresh(tokens["refresh_token"]).json()
    assert private_oauth.api("/api/debtors", renewed["access_token"]).status_code == 200


def test_a_refresh_token_lasts_thirty_days(private_oauth, private_sandbox):
    tokens = private_oauth.tokens_for("full")
    private_sandbox.state.clock.advance(30 * 24 * 3600)
    assert error_of(private_oauth.refresh(tokens["refresh_token"])) == "invalid_grant"


def test_the_revoked_account_withdraws_the_app_right_after_consenting(oauth, nmbrs_sandbox):
    tokens = oauth.tokens_for("revoked")
    refused = oauth.api("/api/debtors", tokens["access_token"])
    assert refused.status_code == 401 and refused.json()["code"] == 40102
    assert error_of(oauth.refresh(tokens["refresh_token"])) == "invalid_grant"
    grants = nmbrs_sandbox.state.identity.grants("ingetrokken@bakkerijvandenberg.example")
    assert grants and all(grant.revoked for grant in grants)


def test_a_code_belongs_to_its_client_and_extra_clients_register_at_runtime(private_oauth,
                                                                          private_sandbox):
    private_sandbox.state.identity.register_client(
        "second-app", "plain-secret", ["http://127.0.0.1/other/callback"], name="Second app")
    code = private_oauth.consent("full")["code"]
    stolen = private_oauth.token(auth=("second-app", "plain-secret"),
                                 grant_type="authorization_code", code=code,
                                 code_verifier=private_oauth.verifier)
    assert error_of(stolen) == "invalid_grant"
    second = private_oauth.authorize_url("company.info.read", client_id="second-app",
                                         redirect_uri="http://127.0.0.1:9/other/callback",
                                         pkce=False)
    callback = give_consent(second, *private_sandbox.consent_account("full"))
    response = private_oauth.token(auth=("second-app", "plain-secret"),
                                   redirect_uri="http://127.0.0.1:9/other/callback",
                                   grant_type="authorization_code",
                                   code=query_of(callback)["code"])
    assert response.status_code == 200
    assert [(g.client_id, g.scopes) for g in private_sandbox.state.identity.grants()][-1] == (
        "second-app", ("company.info.read",))


def test_no_password_code_or_token_reaches_the_logs(private_oauth, private_sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    account = private_sandbox.consent_account("full")
    callback = private_oauth.consent("full")
    tokens = private_oauth.exchange(callback["code"]).json()
    renewed = private_oauth.refresh(tokens["refresh_token"]).json()
    private_oauth.api("/api/debtors", renewed["access_token"])
    private_oauth.revoke(renewed["refresh_token"])
    secrets_seen = [account.password, callback["code"], tokens["access_token"],
                    tokens["refresh_token"], renewed["access_token"], private_oauth.secret]
    assert not [secret for secret in secrets_seen if secret in caplog.text]
