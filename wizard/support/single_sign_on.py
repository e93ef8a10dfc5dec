"""Support login through the company's identity provider (OpenID Connect, with authlib).

Authorization-code flow with PKCE S256 and a ``nonce``; authlib checks the ID token's
signature against the provider's published keys, its issuer, audience, expiry and nonce.
``state``, verifier and nonce wait in Flask's session under authlib's own key for ten
minutes and are used once. Who may come in is decided by
``wizard.staff.single_sign_on``; the session that follows is support's own
server-side session, exactly as after a password login.
"""
from __future__ import annotations

import logging

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import FlaskOAuth2App
from authlib.integrations.flask_client.integration import FlaskIntegration
from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from joserfc.errors import JoseError

from wizard.staff import start_session
from wizard.staff.single_sign_on import SignOnProblem, SingleSignOnRefused, account_for_identity
from wizard.support import bp
from wizard.support.auth import cookie_name, safe_next, set_session_cookie
from wizard.support.forms import LoginForm

log = logging.getLogger(__name__)

NAME = "support_sso"
STATE_LIFETIME = 10 * 60
TIMEOUT = 10
#: What can go wrong talking to the provider or reading its answer; none is the person's fault.
_PROVIDER_FAILURES = (requests.RequestException, ValueError, KeyError, RuntimeError,
                      AuthlibBaseError, JoseError)


class _Integration(FlaskIntegration):
    expires_in = STATE_LIFETIME


def is_configured() -> bool:
    return bool(current_app.config.get("SUPPORT_OIDC_DISCOVERY_URL"))


def _provider() -> FlaskOAuth2App:
    """authlib's client for the configured provider; one per app, so discovery and keys are
    fetched once (and the keys again when the provider rotates them)."""
    config = current_app.config
    key = (config["SUPPORT_OIDC_DISCOVERY_URL"], config["SUPPORT_OIDC_CLIENT_ID"])
    cached = current_app.extensions.get(NAME)
    if cached is None or cached[0] != key:
        provider = FlaskOAuth2App(
            _Integration(NAME), NAME, client_id=config["SUPPORT_OIDC_CLIENT_ID"],
            client_secret=config["SUPPORT_OIDC_CLIENT_SECRET"],
            server_metadata_url=config["SUPPORT_OIDC_DISCOVERY_URL"],
            client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256",
                           "default_timeout": TIMEOUT})
        cached = current_app.extensions[NAME] = (key, provider)
    return cached[1]


def _callback_url() -> str:
    return current_app.config["PUBLIC_URL"] + url_for("support.sso_callback")


@bp.get("/login/sso")
def sso_start():
    if not is_configured():
        abort(404)
    try:
        provider, callback = _provider(), _callback_url()
        authorization = provider.create_authorization_url(callback)
        # Where to go afterwards waits with the state; the provider never sees it.
        provider.save_authorize_data(redirect_uri=callback, next=safe_next(request.args.get("next")),
                                     **authorization)
        return redirect(authorization["url"])
    except _PROVIDER_FAILURES as error:
        log.warning("support single sign-on: the identity provider could not be reached (%s)",
                    type(error).__name__)
        return _refused(_("De inlogdienst van je organisatie is nu niet bereikbaar. Probeer het "
                          "zo opnieuw of log in met je wachtwoord."), 503)


@bp.get("/login/sso/callback")
def sso_callback():
    if not is_configured():
        abort(404)
    provider = _provider()
    state = request.args.get("state") or ""
    stored = provider.framework.get_state_data(session, state) if len(state) < 200 else None
    try:
        token = provider.authorize_access_token()
    except AuthlibBaseError as error:
        log.warning("support single sign-on refused by the provider or the state (%s)",
                    getattr(error, "error", type(error).__name__))
        return _refused(_("Inloggen via je organisatie is niet gelukt of duurde te lang. "
                          "Probeer het opnieuw."), 400)
    except _PROVIDER_FAILURES as error:
        log.warning("support single sign-on: no valid answer from the identity provider (%s)",
                    type(error).__name__)
        return _refused(_("De inlogdienst van je organisatie gaf geen geldig antwoord. Probeer het "
                          "opnieuw of vraag je beheerder om hulp."), 502)
    claims = token.get("userinfo")
    if not claims:
        log.warning("support single sign-on: the provider sent no ID token")
        return _refused(_("De inlogdienst van je organisatie gaf geen geldig antwoord. Probeer het "
                          "opnieuw of vraag je beheerder om hulp."), 502)
    try:
        user = account_for_identity(claims)
    except SingleSignOnRefused as refusal:
        log.warning("support single sign-on: no way in (%s)", refusal.problem.value)
        return _refused(_REFUSALS[refusal.problem](), 403)
    _support_session, cookie = start_session(user, replacing=request.cookies.get(cookie_name()))
    response = redirect(safe_next((stored or {}).get("next")))
    set_session_cookie(response, cookie)
    return response


_REFUSALS = {
    SignOnProblem.UNVERIFIED: lambda: _(
        "Je organisatie gaf geen bevestigd e-mailadres door, dus we weten niet welk "
        "support-account bij je hoort. Vraag je beheerder om hulp."),
    SignOnProblem.NO_ACCOUNT: lambda: _(
        "Je bent ingelogd bij je organisatie, maar er is geen support-account met jouw "
        "e-mailadres. Vraag een beheerder van support om er een aan te maken."),
    SignOnProblem.INACTIVE: lambda: _(
        "Je support-account is uitgeschakeld. Vraag een beheerder van support om het weer "
        "aan te zetten."),
}


def _refused(message: str, status: int):
    return render_template("support/login.html", form=LoginForm(formdata=None),
                           sso_problem=message), status
