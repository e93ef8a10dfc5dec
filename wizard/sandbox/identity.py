"""HTTP face of the sandbox's identity server (``identityservice.nmbrs.com``, NMBRS.md §10).

Discovery, ``/connect/authorize`` with a login page and a consent page, ``/connect/token`` and
``/connect/revocation``. The rules live in ``authorization.py``; this module parses requests,
keeps the login session (a signed cookie, like IdentityServer's), protects the forms against
CSRF and framing, and renders ``consent_pages``.
"""
from __future__ import annotations

import hmac
import secrets
from urllib.parse import parse_qs, urlsplit

from flask import (Blueprint, Response, current_app, g, jsonify, redirect, request, session,
                   url_for)

from wizard.sandbox.authorization import (AuthorizationDenied, AuthorizationRequest,
                                          AuthorizationServer, OAuthError, UntrustedRequest,
                                          decode_basic_credentials)
from wizard.sandbox.consent_accounts import ConsentAccount
from wizard.sandbox.consent_pages import (LANGUAGES, ScopeChoice, consent_page, error_page,
                                          login_page)
from wizard.sandbox.scopes import OFFLINE_ACCESS, SCOPES

bp = Blueprint("nmbrs_identity", __name__)
AUTHORIZE_PATH = "/connect/authorize"
SESSION_ACCOUNT = "account"
SESSION_CSRF = "csrf"
# The identity server advertises other grants because it is shared across Nmbrs products, but
# only the authorization code flow is open to the public REST API (NMBRS.md §10).
KNOWN_OTHER_GRANTS = frozenset({"client_credentials", "password",
                                "urn:ietf:params:oauth:grant-type:device_code"})


def _sandbox():
    return current_app.extensions["nmbrs_sandbox"]


def _server() -> AuthorizationServer:
    return _sandbox().identity


def _wait_for(account: ConsentAccount | None) -> None:
    """The `slow` account: the identity server takes its time (on the sandbox clock)."""
    if account is not None and account.latency:
        _sandbox().clock.wait(account.latency)


# --- discovery ---------------------------------------------------------------------------

@bp.get("/.well-known/openid-configuration")
def discovery():
    """Where the endpoints are and what they support, as absolute URLs of this host."""
    issuer = request.url_root.rstrip("/")
    return jsonify({
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}{AUTHORIZE_PATH}",
        "token_endpoint": f"{issuer}/connect/token",
        "revocation_endpoint": f"{issuer}/connect/revocation",
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic",
                                                       "client_secret_post"],
        "ui_locales_supported": list(LANGUAGES),
    })


# --- pages: language, nonce, CSRF, session -----------------------------------------------

def _language(query: dict[str, list[str]]) -> str:
    """``ui_locales`` of the authorization request, else the browser's language, else Dutch."""
    for tag in " ".join(query.get("ui_locales", [])).split():
        primary = tag.split("-")[0].lower()
        if primary in LANGUAGES:
            return primary
    return request.accept_languages.best_match(LANGUAGES, default="nl")


def _nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _csrf_token() -> str:
    token = session.get(SESSION_CSRF)
    if token is None:
        token = session[SESSION_CSRF] = secrets.token_urlsafe(32)
    return token


def _csrf_ok() -> bool:
    expected = session.get(SESSION_CSRF)
    sent = request.form.get("csrf_token", "")
    return bool(expected) and hmac.compare_digest(expected.encode(), sent.encode())


def _html(body: str, status: int = 200) -> Response:
    return Response(body, status=status, content_type="text/html; charset=utf-8")


@bp.after_request
def _protect_pages(response: Response) -> Response:
    """No framing (clickjacking of the consent page), no leaks through Referer or caches."""
    if response.mimetype == "text/html":
        nonce = g.get("csp_nonce", "")
        response.headers["Content-Security-Policy"] = (
            f"default-src 'none'; style-src 'nonce-{nonce}'; frame-ancestors 'none'; "
            "base-uri 'none'")
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
    return response


def _session_account() -> ConsentAccount | None:
    username = session.get(SESSION_ACCOUNT)
    return _server().account(username) if username else None


def _return_target(value: str | None) -> tuple[str, dict[str, list[str]]] | None:
    """A ``returnUrl`` is only ever a path of our own authorize endpoint (no open redirect)."""
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path != AUTHORIZE_PATH:
        return None
    return value, parse_qs(parts.query, keep_blank_values=True)


def _error(language: str, error: str, description: str, status: int = 400,
           message_key: str = "error_intro") -> Response:
    return _html(error_page(language, error=error, description=description, nonce=_nonce(),
                            message_key=message_key), status)


def _no_return(language: str) -> Response:
    return _error(language, "invalid_request", "no authorization request to return to")


def _posted_target() -> tuple[str, dict[str, list[str]]] | Response:
    """A posted page form's ``returnUrl`` and its query, once its CSRF token has passed."""
    target = _return_target(request.form.get("returnUrl"))
    language = _language(target[1] if target else {})
    if not _csrf_ok():
        return _error(language, "invalid_request", "missing or wrong CSRF token", 400, "expired")
    return target or _no_return(language)


# --- authorize: login and consent --------------------------------------------------------

def _validated(query: dict[str, list[str]]) -> AuthorizationRequest | Response:
    """The authorization request, or the response that refuses it (page or redirect)."""
    try:
        return _server().parse_authorization_request(query)
    except UntrustedRequest as refused:
        return _error(_language(query), refused.error, refused.description)
    except AuthorizationDenied as denied:
        return redirect(denied.location, 302)


def _consent(auth: AuthorizationRequest, account: ConsentAccount, return_to: str,
             query: dict[str, list[str]], ticked: set[str] | None = None) -> Response:
    """The consent page: first with the account's defaults, again (``ticked``) after a refusal."""
    refused = ticked is not None
    if ticked is None:
        ticked = set(auth.scopes) - account.unticked
    choices = [ScopeChoice(SCOPES[name], name in ticked) for name in auth.scopes]
    page = consent_page(
        _language(query), app_name=auth.client.name, account_name=account.name,
        email=account.username, domain=account.domain, choices=choices, return_to=return_to,
        switch_url=url_for(".login_form", returnUrl=return_to), csrf_token=_csrf_token(),
        nonce=_nonce(), nothing_ticked=refused)
    return _html(page)


@bp.get(AUTHORIZE_PATH)
def authorize():
    """Validate the request; then log in (once per browser session) and show the consent page."""
    query = request.args.to_dict(flat=False)
    auth = _validated(query)
    if isinstance(auth, Response):
        return auth
    return_to = request.full_path
    account = _session_account()
    if account is None:
        return redirect(url_for(".login_form", returnUrl=return_to), 302)
    _wait_for(account)
    return _consent(auth, account, return_to, query)


def _login_page(return_to: str, query: dict[str, list[str]], username: str = "",
                failed: bool = False) -> Response:
    auth = _validated(query)
    if isinstance(auth, Response):
        return auth
    return _html(login_page(_language(query), app_name=auth.client.name, return_to=return_to,
                            csrf_token=_csrf_token(), nonce=_nonce(), username=username,
                            failed=failed))


@bp.get("/account/login")
def login_form():
    """The login page; also where "not you?" leads, without ending the current session."""
    target = _return_target(request.args.get("returnUrl"))
    return _login_page(*target) if target else _no_return(_language({}))


@bp.post("/account/login")
def login():
    """Check the account's password, start the session, go back to the authorize request."""
    target = _posted_target()
    if isinstance(target, Response):
        return target
    username = request.form.get("username", "")
    account = _server().log_in(username, request.form.get("password", ""))
    if account is None:
        return _login_page(*target, username=username, failed=True)
    _wait_for(account)
    session.clear()   # a fresh session (and CSRF token) for the new user
    session[SESSION_ACCOUNT] = account.username
    return redirect(target[0], 303)


@bp.post("/consent")
def consent():
    """Allow (the ticked scopes) or deny; either way back to the app's redirect URI."""
    target = _posted_target()
    if isinstance(target, Response):
        return target
    return_to, query = target
    auth = _validated(query)
    if isinstance(auth, Response):
        return auth
    account = _session_account()
    if account is None:
        return redirect(url_for(".login_form", returnUrl=return_to), 303)
    _wait_for(account)
    if request.form.get("decision") != "allow":
        return redirect(auth.deny("access_denied", "the user denied access").location, 302)
    ticked = set(request.form.getlist("scope")) & set(auth.scopes)
    # offline_access alone gives the app nothing to read: ask for at least one data scope.
    data_scopes = set(auth.scopes) - {OFFLINE_ACCESS} or set(auth.scopes)
    if not ticked & data_scopes:
        return _consent(auth, account, return_to, query, ticked=ticked)
    return redirect(_server().approve(auth, account, list(ticked)), 302)


# --- token and revocation (JSON) ---------------------------------------------------------

def _oauth_json(body: dict, status: int = 200, basic_challenge: bool = False) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    if basic_challenge:
        response.headers["WWW-Authenticate"] = 'Basic realm="identityservice"'
    return response


def _form() -> dict[str, str]:
    """The form body; a parameter sent twice is an invalid request (RFC 6749 §3.2)."""
    if request.mimetype != "application/x-www-form-urlencoded":
        raise OAuthError("invalid_request", "send application/x-www-form-urlencoded")
    repeated = [name for name, values in request.form.lists() if len(values) > 1]
    if repeated:
        raise OAuthError("invalid_request", f"parameter sent more than once: {repeated[0]}")
    return request.form.to_dict()


def _client(form: dict[str, str]):
    header = request.headers.get("Authorization")
    basic_sent = bool(header) and header.split(" ", 1)[0].lower() == "basic"
    credentials = decode_basic_credentials(header) if basic_sent else None
    return _server().authenticate_client(credentials, basic_sent, form)


@bp.post("/connect/token")
def token():
    """Authorization code and refresh token grants; JSON, never cached."""
    server = _server()
    try:
        form = _form()
        client = _client(form)
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            _wait_for(server.account_behind(code=form.get("code")))
            body = server.exchange_code(client, form.get("code", ""), form.get("redirect_uri"),
                                        form.get("code_verifier"))
        elif grant_type == "refresh_token":
            _wait_for(server.account_behind(refresh_token=form.get("refresh_token")))
            body = server.refresh(client, form.get("refresh_token", ""), form.get("scope"))
        elif not grant_type:
            raise OAuthError("invalid_request", "grant_type is required")
        elif grant_type in KNOWN_OTHER_GRANTS:
            raise OAuthError("unauthorized_client",
                             "only the authorization code flow is open to this client")
        else:
            raise OAuthError("unsupported_grant_type", f"unknown grant_type {grant_type}")
    except OAuthError as failure:
        return _oauth_json({"error": failure.error, "error_description": failure.description},
                           failure.status, failure.basic_auth)
    return _oauth_json(body)


@bp.post("/connect/revocation")
def revocation():
    """RFC 7009: 200 for every well-formed request, known token or not."""
    try:
        form = _form()
        client = _client(form)
        if not form.get("token"):
            raise OAuthError("invalid_request", "token is required")
    except OAuthError as failure:
        return _oauth_json({"error": failure.error, "error_description": failure.description},
                           failure.status, failure.basic_auth)
    _server().revoke(client, form["token"])
    return Response(status=200, headers={"Cache-Control": "no-store"})

