"""The rules and memory of the sandbox's identity server (Nmbrs' ``identityservice``, NMBRS.md §10).

No Flask here: ``identity.py`` turns HTTP into calls of ``AuthorizationServer``. Handwritten
rather than built on authlib's server classes, because the emulator must reproduce Nmbrs'
choices exactly (IdentityServer-style decoding of Basic credentials, rotating refresh tokens
whose loser gets ``invalid_grant``, the ``revoked`` and ``slow`` accounts) and a test must be able
to read each rule in one place.

Tokens are opaque random strings; only their SHA-256 is kept, so the server's memory never holds
a usable token. One lock serialises every change: the server is multi-threaded, and two refreshes
with the same refresh token must never both win.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import threading
import uuid
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import unquote_plus, urlencode

from wizard.sandbox.clock import Clock
from wizard.sandbox.consent_accounts import ConsentAccount, ConsentSetup, OAuthClient
from wizard.sandbox.scopes import OFFLINE_ACCESS, unknown_scopes

CODE_LIFETIME = 5 * 60                     # NMBRS.md §10: single use, valid 5 minutes
ACCESS_TOKEN_LIFETIME = 60 * 60            # expires_in 3600
REFRESH_TOKEN_LIFETIME = 30 * 24 * 60 * 60  # "30 days" per the REST SDK
PKCE_VALUE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")   # RFC 7636 §4.1, §4.2
SINGLE_VALUED = ("client_id", "redirect_uri", "response_type", "scope", "state",
                 "code_challenge", "code_challenge_method")


class OAuthError(Exception):
    """An RFC 6749 error (``error`` code, description for developers) for the JSON endpoints."""

    def __init__(self, error: str, description: str, status: int = 400,
                 basic_auth: bool = False):
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status
        self.basic_auth = basic_auth


class UntrustedRequest(Exception):
    """Unknown client or unregistered redirect: shown at the identity server, never redirected
    (RFC 6749 §4.1.2.1)."""

    def __init__(self, error: str, description: str):
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


class AuthorizationDenied(Exception):
    """An authorization error the client hears about at its redirect URI."""

    def __init__(self, redirect_uri: str, state: str | None, error: str, description: str):
        super().__init__(f"{error}: {description}")
        self.location = _with_query(redirect_uri, error=error, error_description=description,
                                    state=state)


@dataclass(frozen=True)
class AuthorizationRequest:
    """A validated ``/connect/authorize`` request."""

    client: OAuthClient
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    code_challenge: str | None

    def deny(self, error: str, description: str) -> AuthorizationDenied:
        return AuthorizationDenied(self.redirect_uri, self.state, error, description)


@dataclass
class Grant:
    """One consent turned into tokens: who approved which app for which scopes."""

    grant_id: str
    account: ConsentAccount
    client_id: str
    scopes: tuple[str, ...]
    created_at: float
    revoked: bool = False


@dataclass(frozen=True)
class GrantInfo:
    """A read-only view of a grant for tests and inspection."""

    grant_id: str
    scenario: str
    username: str
    client_id: str
    scopes: tuple[str, ...]
    created_at: float
    revoked: bool


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    account: ConsentAccount
    scopes: tuple[str, ...]
    code_challenge: str | None
    expires_at: float
    presented: bool = False
    grant_id: str | None = None


@dataclass
class _Token:
    kind: str                # "access" or "refresh"
    grant_id: str
    client_id: str
    scopes: tuple[str, ...]
    expires_at: float
    spent: bool = False      # a refresh token that was rotated, an access token revoked


@dataclass(frozen=True)
class Access:
    """What a valid access token stands for."""

    account: ConsentAccount
    scopes: frozenset[str]


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _with_query(uri: str, **params: str | None) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{uri}{'&' if '?' in uri else '?'}{query}"


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge of a verifier (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def decode_basic_credentials(header: str) -> tuple[str, str] | None:
    """Client id and secret from ``Authorization: Basic``, each form-urlencoded before joining
    (RFC 6749 §2.3.1, decoded like IdentityServer: ``+`` is a space). None when malformed."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        return None
    return unquote_plus(client_id), unquote_plus(secret)


class AuthorizationServer:
    """Clients, codes, grants and tokens of the sandbox's identity server."""

    def __init__(self, setup: ConsentSetup, clock: Clock):
        self.setup = setup
        self.clock = clock
        self._clients = {client.client_id: client for client in setup.clients}
        self._codes: dict[str, _Code] = {}
        self._grants: dict[str, Grant] = {}
        self._tokens: dict[str, _Token] = {}
        self._lock = threading.RLock()

    # --- clients and accounts ------------------------------------------------------------

    def register_client(self, client_id: str, client_secret: str, redirect_uris,
                        name: str = "Test client", require_pkce: bool = False) -> OAuthClient:
        """Add an OAuth client at runtime (tests: a client with other redirects or rules)."""
        client = OAuthClient(client_id, client_secret, tuple(redirect_uris), name, require_pkce)
        with self._lock:
            self._clients[client_id] = client
        return client

    def client(self, client_id: str) -> OAuthClient | None:
        return self._clients.get(client_id)

    def log_in(self, username: str, password: str) -> ConsentAccount | None:
        """The account with these credentials (username case-insensitive), or None."""
        account = self.setup.by_username.get(username.strip().lower())
        if account is None or not hmac.compare_digest(account.password.encode(),
                                                       password.encode()):
            return None
        return account

    def account(self, username: str) -> ConsentAccount | None:
        return self.setup.by_username.get(username.lower())

    def authenticate_client(self, basic: tuple[str, str] | None, basic_sent: bool,
                            form: Mapping[str, str]) -> OAuthClient:
        """The client authenticated by Basic credentials or ``client_secret_post``."""
        if basic_sent and "client_secret" in form:
            raise OAuthError("invalid_request", "use one client authentication method, not two")
        if basic_sent:
            if basic is None:
                raise OAuthError("invalid_client", "malformed Basic credentials", 401, True)
            client_id, secret = basic
            if form.get("client_id", client_id) != client_id:
                raise OAuthError("invalid_client", "client_id differs from the Basic credentials",
                                 401, True)
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret")
            if not client_id or secret is None:
                raise OAuthError("invalid_client", "client authentication is required", 401)
        client = self._clients.get(client_id)
        if client is None or not hmac.compare_digest(client.client_secret.encode(),
                                                     secret.encode()):
            raise OAuthError("invalid_client", "unknown client or wrong secret", 401, basic_sent)
        return client

    # --- authorize -----------------------------------------------------------------------

    def parse_authorization_request(self, params: Mapping[str, list[str]]) -> AuthorizationRequest:
        """Validate ``/connect/authorize`` parameters; client and redirect URI come first."""
        value = {name: (params.get(name) or [""])[0] for name in SINGLE_VALUED}
        client = self._clients.get(value["client_id"])
        if client is None:
            raise UntrustedRequest("invalid_client", "unknown client_id")
        redirect_uri = value["redirect_uri"]
        if not redirect_uri or len(params.get("redirect_uri", ())) > 1 \
                or not client.accepts_redirect(redirect_uri):
            raise UntrustedRequest("invalid_request",
                                   "redirect_uri is not registered for this client")
        state = value["state"] or None

        def deny(error: str, description: str) -> AuthorizationDenied:
            return AuthorizationDenied(redirect_uri, state, error, description)

        repeated = [name for name in SINGLE_VALUED if len(params.get(name, ())) > 1]
        if repeated:
            raise deny("invalid_request", f"parameter sent more than once: {repeated[0]}")
        if value["response_type"] != "code":
            raise deny("unsupported_response_type", "only response_type=code is supported")
        scopes = tuple(dict.fromkeys(value["scope"].split()))
        if not scopes:
            raise deny("invalid_scope", "scope is required")
        unknown = unknown_scopes(scopes)
        if unknown:
            raise deny("invalid_scope", f"unknown scope: {unknown[0]}")
        challenge, method = value["code_challenge"], value["code_challenge_method"]
        if challenge or method:
            if method != "S256":
                raise deny("invalid_request", "code_challenge_method must be S256 (plain is refused)")
            if not PKCE_VALUE.fullmatch(challenge):
                raise deny("invalid_request", "code_challenge is missing or malformed")
        elif client.require_pkce:
            raise deny("invalid_request", "this client must send a PKCE code_challenge (S256)")
        return AuthorizationRequest(client, redirect_uri, scopes, state, challenge or None)

    def approve(self, request: AuthorizationRequest, account: ConsentAccount,
                ticked: list[str]) -> str:
        """The redirect that carries a new code for the ticked scopes (never more than asked)."""
        granted = tuple(scope for scope in request.scopes if scope in set(ticked))
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._codes[_digest(code)] = _Code(
                request.client.client_id, request.redirect_uri, account, granted,
                request.code_challenge, self.clock.now() + CODE_LIFETIME)
        return _with_query(request.redirect_uri, code=code, state=request.state)

    # --- token ---------------------------------------------------------------------------

    def account_behind(self, code: str | None = None,
                       refresh_token: str | None = None) -> ConsentAccount | None:
        """Who a code or refresh token belongs to (to apply the account's latency first)."""
        with self._lock:
            if code:
                record = self._codes.get(_digest(code))
                return record.account if record else None
            token = self._tokens.get(_digest(refresh_token or ""))
            grant = self._grants.get(token.grant_id) if token else None
            return grant.account if grant else None

    def exchange_code(self, client: OAuthClient, code: str, redirect_uri: str | None,
                      code_verifier: str | None) -> dict:
        """``grant_type=authorization_code``: a code (single use, 5 minutes) for tokens."""
        if not code:
            raise OAuthError("invalid_request", "code is required")
        if not redirect_uri:
            raise OAuthError("invalid_request", "redirect_uri is required")
        with self._lock:
            record = self._codes.get(_digest(code))
            if record is None:
                raise OAuthError("invalid_grant", "unknown authorization code")
            if record.presented:
                # RFC 6749 §4.1.2: a code used twice revokes what it issued.
                if record.grant_id:
                    self._revoke_grant(record.grant_id)
                raise OAuthError("invalid_grant", "authorization code already used")
            # Inferred from IdentityServer: any presentation consumes the code, so a wrong
            # verifier cannot be retried.
            record.presented = True
            if record.client_id != client.client_id:
                raise OAuthError("invalid_grant", "code was issued to another client")
            if self.clock.now() >= record.expires_at:
                raise OAuthError("invalid_grant", "authorization code expired")
            if redirect_uri != record.redirect_uri:
                raise OAuthError("invalid_grant", "redirect_uri differs from the authorization request")
            self._check_verifier(record.code_challenge, code_verifier)
            grant = Grant(str(uuid.uuid4()), record.account, client.client_id, record.scopes,
                          self.clock.now())
            self._grants[grant.grant_id] = grant
            record.grant_id = grant.grant_id
            response = self._issue(grant, grant.scopes)
            if grant.account.withdraws_consent:
                # The `revoked` scenario: the user withdraws the app under "Manage apps".
                self._revoke_grant(grant.grant_id)
            return response

    @staticmethod
    def _check_verifier(challenge: str | None, verifier: str | None) -> None:
        if challenge is None:
            if verifier:
                raise OAuthError("invalid_grant", "code_verifier sent, but the authorization "
                                                  "request had no code_challenge")
            return
        if not verifier:
            raise OAuthError("invalid_grant", "code_verifier is required")
        if not PKCE_VALUE.fullmatch(verifier) or not hmac.compare_digest(
                pkce_challenge(verifier), challenge):
            raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")

    def refresh(self, client: OAuthClient, refresh_token: str, scope: str | None) -> dict:
        """``grant_type=refresh_token``: rotate; the presented token stops working at once."""
        if not refresh_token:
            raise OAuthError("invalid_request", "refresh_token is required")
        with self._lock:
            record = self._tokens.get(_digest(refresh_token))
            if record is None or record.kind != "refresh" or record.client_id != client.client_id:
                raise OAuthError("invalid_grant", "unknown refresh token")
            grant = self._grants[record.grant_id]
            if record.spent:
                raise OAuthError("invalid_grant", "refresh token already used")
            if grant.revoked:
                raise OAuthError("invalid_grant", "the grant was revoked")
            if self.clock.now() >= record.expires_at:
                raise OAuthError("invalid_grant", "refresh token expired")
            asked = tuple(dict.fromkeys(scope.split())) if scope else record.scopes
            wider = [name for name in asked if name not in record.scopes]
            if wider:
                raise OAuthError("invalid_scope", f"scope not granted before: {wider[0]}")
            record.spent = True
            return self._issue(grant, asked, refresh_scopes=record.scopes)

    def _issue(self, grant: Grant, scopes: tuple[str, ...],
               refresh_scopes: tuple[str, ...] | None = None) -> dict:
        now = self.clock.now()
        access = secrets.token_urlsafe(32)
        self._tokens[_digest(access)] = _Token("access", grant.grant_id, grant.client_id, scopes,
                                               now + ACCESS_TOKEN_LIFETIME)
        response = {"access_token": access, "expires_in": ACCESS_TOKEN_LIFETIME,
                    "token_type": "Bearer"}
        refresh_scopes = refresh_scopes or grant.scopes
        if OFFLINE_ACCESS in refresh_scopes:
            refresh = secrets.token_urlsafe(32)
            self._tokens[_digest(refresh)] = _Token("refresh", grant.grant_id, grant.client_id,
                                                    refresh_scopes, now + REFRESH_TOKEN_LIFETIME)
            response["refresh_token"] = refresh
        response["scope"] = " ".join(scopes)
        return response

    # --- revocation and access -----------------------------------------------------------

    def revoke(self, client: OAuthClient, token: str) -> None:
        """RFC 7009: a refresh token ends its whole grant, an access token only itself.
        Unknown tokens, and (inferred) other clients' tokens, are ignored."""
        with self._lock:
            record = self._tokens.get(_digest(token))
            if record is None or record.client_id != client.client_id:
                return
            if record.kind == "refresh":
                self._revoke_grant(record.grant_id)
            else:
                record.spent = True

    def _revoke_grant(self, grant_id: str) -> None:
        self._grants[grant_id].revoked = True

    def access(self, token: str) -> Access | None:
        """The account and scopes behind a valid access token; None if unknown, expired or revoked."""
        with self._lock:
            record = self._tokens.get(_digest(token))
            if record is None or record.kind != "access" or record.spent:
                return None
            grant = self._grants[record.grant_id]
            if grant.revoked or self.clock.now() >= record.expires_at:
                return None
            return Access(grant.account, frozenset(record.scopes))

    # --- inspection and "Manage apps" ----------------------------------------------------

    def grants(self, username: str | None = None) -> list[GrantInfo]:
        """Every grant issued (oldest first), or those of one account."""
        with self._lock:
            return [GrantInfo(g.grant_id, g.account.scenario, g.account.username, g.client_id,
                              g.scopes, g.created_at, g.revoked)
                    for g in self._grants.values()
                    if username is None or g.account.username.lower() == username.lower()]

    def revoke_account(self, username: str, client_id: str | None = None) -> int:
        """"Manage apps": the user withdraws an app (or every app); returns grants revoked."""
        with self._lock:
            chosen = [g for g in self._grants.values() if not g.revoked
                      and g.account.username.lower() == username.lower()
                      and client_id in (None, g.client_id)]
            for grant in chosen:
                grant.revoked = True
            return len(chosen)

