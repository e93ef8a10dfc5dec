"""What an OAuth client app does at the Nmbrs sandbox, written from NMBRS.md with plain
``requests``: authorize URLs with PKCE, consent (as its user), tokens, API calls."""
from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, quote_plus, urlencode, urlsplit

import requests

from tests.support.consent import give_consent

REDIRECT_URI = "http://127.0.0.1:8765/oauth/nmbrs/callback"
PAYROLL_SCOPES = ("offline_access company.info.read company.payrollsettings.read "
                  "company.document.read document.read employee.info.read "
                  "employee.employment.read employee.payrollsettings.read")


def pkce_pair() -> tuple[str, str]:
    """A PKCE verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def basic_auth(client_id: str, secret: str) -> tuple[str, str]:
    """RFC 6749 §2.3.1: each half form-urlencoded before requests joins and base64-encodes."""
    return quote_plus(client_id), quote_plus(secret)


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


class OAuthActions:
    """What a client app does at the sandbox: authorize, consent (as its user), tokens, API."""

    def __init__(self, sandbox):
        """``sandbox``: a running ``NmbrsSandboxServer``."""
        self.sandbox = sandbox
        self.client_id, self.secret = sandbox.oauth_client
        self.verifier, self.challenge = pkce_pair()

    def authorize_url(self, scope: str = PAYROLL_SCOPES, *, state: str = "state-123",
                      redirect_uri: str = REDIRECT_URI, client_id: str | None = None,
                      pkce: bool = True, **extra: str) -> str:
        params = {"client_id": self.client_id if client_id is None else client_id,
                  "redirect_uri": redirect_uri,
                  "response_type": "code", "scope": scope, "state": state}
        if pkce:
            params |= {"code_challenge": self.challenge, "code_challenge_method": "S256"}
        return f"{self.sandbox.identity_url}/connect/authorize?{urlencode(params | extra)}"

    def consent(self, scenario: str = "full", scope: str = PAYROLL_SCOPES, *,
                state: str = "state-123", untick=(), deny: bool = False,
                session: requests.Session | None = None) -> dict:
        """Log in as ``scenario``, decide, and return the callback's query parameters."""
        account = self.sandbox.consent_account(scenario)
        url = self.authorize_url(scope, state=state)
        return query_of(give_consent(url, *account, untick=untick, deny=deny, session=session))

    def token(self, redirect_uri: str = REDIRECT_URI, auth=None, **form: str) -> requests.Response:
        return requests.post(f"{self.sandbox.identity_url}/connect/token",
                             data={"redirect_uri": redirect_uri, **form},
                             auth=auth or basic_auth(self.client_id, self.secret), timeout=10)

    def exchange(self, code: str, **overrides: str) -> requests.Response:
        form = {"grant_type": "authorization_code", "code": code,
                "code_verifier": self.verifier} | overrides
        return self.token(**form)

    def refresh(self, refresh_token: str, **form: str) -> requests.Response:
        return requests.post(f"{self.sandbox.identity_url}/connect/token",
                             data={"grant_type": "refresh_token", "refresh_token": refresh_token,
                                   **form},
                             auth=basic_auth(self.client_id, self.secret), timeout=10)

    def revoke(self, token: str, hint: str = "refresh_token") -> requests.Response:
        return requests.post(f"{self.sandbox.identity_url}/connect/revocation",
                             data={"token": token, "token_type_hint": hint},
                             auth=basic_auth(self.client_id, self.secret), timeout=10)

    def tokens_for(self, scenario: str = "full", scope: str = PAYROLL_SCOPES, **options) -> dict:
        """The whole flow: consent as ``scenario`` and exchange the code."""
        callback = self.consent(scenario, scope, **options)
        response = self.exchange(callback["code"])
        assert response.status_code == 200, response.text
        return response.json()

    def api(self, path: str, access_token: str | None, key: str | None = None,
            **params) -> requests.Response:
        headers = {"X-Subscription-Key": key or self.sandbox.subscription_key}
        if access_token:
            headers["Authorization"] = f"Bearer {access_token}"
        return requests.get(f"{self.sandbox.rest_url}{path}", headers=headers, params=params,
                            timeout=10)
