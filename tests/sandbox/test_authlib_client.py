"""authlib's own OAuth 2 client as "any standards-following client" of the sandbox.

Two findings for whoever builds the wizard's client on authlib (1.9):

- authlib's ``client_secret_basic`` does not form-urlencode id and secret before joining
  (its maintainers reverted that fix and advise quoting them yourself), so with a secret
  containing ``+`` or ``%`` it meets ``invalid_client`` at Nmbrs; quote them, or use
  ``client_secret_post``.
- ``refresh_token()`` re-sends the scope the session asked for; when the user granted less,
  that is a widening (``invalid_scope``). Set the session's scope to the granted one.
"""
from __future__ import annotations

from urllib.parse import quote_plus

import pytest
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from tests.support.oauth import PAYROLL_SCOPES, REDIRECT_URI
from tests.support.consent import give_consent


def session_for(sandbox, secret: str, method: str = "client_secret_basic",
                scope: str = PAYROLL_SCOPES) -> OAuth2Session:
    return OAuth2Session(sandbox.oauth_client.client_id, secret, scope=scope,
                         redirect_uri=REDIRECT_URI, code_challenge_method="S256",
                         token_endpoint_auth_method=method,
                         revocation_endpoint_auth_method=method)


def authorize(sandbox, session: OAuth2Session, scenario: str = "full") -> tuple[str, str]:
    """The callback URL after the user approved, and the PKCE verifier used."""
    verifier = generate_token(64)
    url, _state = session.create_authorization_url(
        f"{sandbox.identity_url}/connect/authorize", code_verifier=verifier)
    return give_consent(url, *sandbox.consent_account(scenario)), verifier


def test_authlib_with_quoted_basic_credentials_does_everything(nmbrs_sandbox):
    token_url = f"{nmbrs_sandbox.identity_url}/connect/token"
    session = session_for(nmbrs_sandbox, quote_plus(nmbrs_sandbox.oauth_client.client_secret))
    callback, verifier = authorize(nmbrs_sandbox, session)
    token = session.fetch_token(token_url, authorization_response=callback,
                                code_verifier=verifier)
    assert token["token_type"] == "Bearer" and "refresh_token" in token
    key = {"X-Subscription-Key": nmbrs_sandbox.subscription_key}
    companies = session.get(f"{nmbrs_sandbox.rest_url}/api/companies", headers=key, timeout=10)
    assert companies.status_code == 200 and companies.json()["pagination"]["totalRecords"] == 3

    old_refresh = token["refresh_token"]
    renewed = session.refresh_token(token_url)
    assert renewed["refresh_token"] != old_refresh
    assert session.get(f"{nmbrs_sandbox.rest_url}/api/debtors", headers=key, timeout=10).ok

    revoked = session.revoke_token(f"{nmbrs_sandbox.identity_url}/connect/revocation",
                                   token=renewed["refresh_token"],
                                   token_type_hint="refresh_token")
    assert revoked.status_code == 200
    after = session.get(f"{nmbrs_sandbox.rest_url}/api/debtors", headers=key, timeout=10)
    assert after.status_code == 401 and after.json()["code"] == 40102


def test_authlib_basic_without_encoding_meets_invalid_client(nmbrs_sandbox):
    session = session_for(nmbrs_sandbox, nmbrs_sandbox.oauth_client.client_secret)
    callback, verifier = authorize(nmbrs_sandbox, session)
    with pytest.raises(OAuthError) as caught:
        session.fetch_token(f"{nmbrs_sandbox.identity_url}/connect/token",
                            authorization_response=callback, code_verifier=verifier)
    assert caught.value.error == "invalid_client"


def test_authlib_client_secret_post_needs_no_encoding(nmbrs_sandbox):
    session = session_for(nmbrs_sandbox, nmbrs_sandbox.oauth_client.client_secret,
                          method="client_secret_post")
    callback, verifier = authorize(nmbrs_sandbox, session)
    token = session.fetch_token(f"{nmbrs_sandbox.identity_url}/connect/token",
                                authorization_response=callback, code_verifier=verifier)
    assert token["access_token"]


def test_authlib_refresh_after_a_narrowed_consent_must_ask_for_the_granted_scope(nmbrs_sandbox):
    token_url = f"{nmbrs_sandbox.identity_url}/connect/token"
    session = session_for(nmbrs_sandbox, quote_plus(nmbrs_sandbox.oauth_client.client_secret))
    callback, verifier = authorize(nmbrs_sandbox, session, scenario="untick")
    token = session.fetch_token(token_url, authorization_response=callback,
                                code_verifier=verifier)
    assert "employee.employment.read" not in token["scope"].split()
    with pytest.raises(OAuthError) as caught:
        session.refresh_token(token_url)     # re-sends the scope asked for at authorize
    assert caught.value.error == "invalid_scope"
    session.scope = token["scope"]
    assert session.refresh_token(token_url)["scope"] == token["scope"]
