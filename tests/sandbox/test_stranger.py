"""The sandbox as a third party uses it: plain ``requests``, written from NMBRS.md §9-§11 alone.

No wizard code and none of this package's helpers except the user's part in the browser
(``give_consent``): discovery, authorize with S256 PKCE, token exchange, two rotations, the
accountant's 1,040 companies walked per debtor, revocation.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, quote_plus, urlencode, urlsplit

import requests

from tests.support.consent import give_consent

SCOPES = "offline_access company.info.read employee.info.read"


def test_a_stranger_walks_the_whole_flow(nmbrs_sandbox):
    client_id, client_secret = nmbrs_sandbox.oauth_client
    key = {"X-Subscription-Key": nmbrs_sandbox.subscription_key}
    basic = (quote_plus(client_id), quote_plus(client_secret))   # RFC 6749 §2.3.1

    config = requests.get(f"{nmbrs_sandbox.identity_url}/.well-known/openid-configuration",
                          timeout=10).json()
    assert config["code_challenge_methods_supported"] == ["S256"]
    assert {"company.info.read", "offline_access"} <= set(config["scopes_supported"])

    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state = secrets.token_urlsafe(16)
    redirect_uri = "http://127.0.0.1:53682/oauth/nmbrs/callback"
    authorize = config["authorization_endpoint"] + "?" + urlencode({
        "client_id": client_id, "redirect_uri": redirect_uri, "response_type": "code",
        "scope": SCOPES, "state": state, "code_challenge": challenge,
        "code_challenge_method": "S256"})
    callback = give_consent(authorize, *nmbrs_sandbox.consent_account("accountant"))
    returned = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    assert callback.startswith(redirect_uri) and returned["state"] == state

    tokens = requests.post(config["token_endpoint"], auth=basic, timeout=10, data={
        "grant_type": "authorization_code", "code": returned["code"],
        "redirect_uri": redirect_uri, "code_verifier": verifier})
    assert tokens.status_code == 200 and tokens.headers["Cache-Control"] == "no-store"
    first = tokens.json()
    assert first["token_type"] == "Bearer" and first["expires_in"] == 3600
    assert set(first["scope"].split()) == set(SCOPES.split())

    def refresh(refresh_token):
        return requests.post(config["token_endpoint"], auth=basic, timeout=10, data={
            "grant_type": "refresh_token", "refresh_token": refresh_token})

    second = refresh(first["refresh_token"]).json()
    third = refresh(second["refresh_token"]).json()
    assert len({first["refresh_token"], second["refresh_token"], third["refresh_token"]}) == 3
    reused = refresh(first["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"

    bearer = key | {"Authorization": f"Bearer {third['access_token']}"}
    refused = requests.get(f"{nmbrs_sandbox.rest_url}/api/companies", headers=bearer, timeout=10)
    assert refused.status_code == 403 and refused.json()["code"] == 40306

    def walk(url):
        """Every record behind a paginated list, following ``nextPage``."""
        while url:
            page = requests.get(url, headers=bearer, timeout=10)
            assert page.status_code == 200, page.text
            body = page.json()
            yield from body["data"]
            url = body["pagination"]["nextPage"]

    debtors = list(walk(f"{nmbrs_sandbox.rest_url}/api/debtors"))
    companies = [company for debtor in debtors for company in
                 walk(f"{nmbrs_sandbox.rest_url}/api/debtors/{debtor['debtorId']}/companies")]
    assert len(debtors) == 40 and len(companies) == 1040
    assert len({c["companyId"] for c in companies}) == 1040
    assert {c["debtorId"] for c in companies} == {d["debtorId"] for d in debtors}

    revoked = requests.post(config["revocation_endpoint"], auth=basic, timeout=10,
                            data={"token": third["refresh_token"],
                                  "token_type_hint": "refresh_token"})
    assert revoked.status_code == 200
    after = requests.get(f"{nmbrs_sandbox.rest_url}/api/debtors", headers=bearer, timeout=10)
    assert after.status_code == 401 and after.json()["code"] == 40102
    assert refresh(third["refresh_token"]).json()["error"] == "invalid_grant"
