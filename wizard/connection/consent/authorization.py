"""The browser's trip to Nmbrs and back: the authorization request and its callback (authlib).

Authorization-code flow of a confidential client. ``state`` and the PKCE S256 verifier
are kept in the client's (signed, HttpOnly) session under authlib's own key, bound to
the onboarding that asked and valid for ``STATE_LIFETIME``; the callback accepts them
once. Everything that can go wrong on the way back is one ``ConsentProblem``, and
nothing is stored when it does.
"""
from __future__ import annotations

import logging
import time
from enum import Enum

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import MismatchingStateError
from authlib.integrations.flask_client import FlaskOAuth2App
from authlib.integrations.flask_client.integration import FlaskIntegration
from flask import current_app, request, session

from wizard.connection.consent.settings import redirect_uri
from wizard.models import Onboarding
from wizard.nmbrs_rest.identity import CLIENT_AUTH_METHODS, BoundedOAuth2Session

log = logging.getLogger("wizard.consent")

NAME = "nmbrs"
#: How long the client may take at Nmbrs (logging in, reading the consent page).
STATE_LIFETIME = 30 * 60


class ConsentProblem(str, Enum):
    """Why a trip to Nmbrs did not end in a consent (each has its own page)."""

    DENIED = "denied"            # the user pressed "Weigeren" (error=access_denied)
    STATE = "state"              # state missing, unknown, reused or expired; another browser
    CODE = "code"                # the code was expired or used, or the PKCE proof did not match
    CLIENT = "client"            # Nmbrs refused our client (invalid_client): our configuration
    UNREACHABLE = "unreachable"  # the identity server was down, slow or unreadable
    REFUSED = "refused"          # another error reported by Nmbrs (invalid_scope, server_error)


class ConsentFailed(Exception):
    def __init__(self, problem: ConsentProblem, detail: str = ""):
        super().__init__(problem.value)
        self.problem = problem
        self.detail = detail


class _Integration(FlaskIntegration):
    expires_in = STATE_LIFETIME


class _NmbrsOAuthApp(FlaskOAuth2App):
    client_cls = BoundedOAuth2Session


def _oauth_app() -> _NmbrsOAuthApp:
    """authlib's Flask client for our Nmbrs registration, built from the current config."""
    config = current_app.config
    client_kwargs = {"token_endpoint_auth_method": config["NMBRS_OAUTH_CLIENT_AUTH"],
                     "default_timeout": float(config["NMBRS_TIMEOUT"])}
    if config["NMBRS_OAUTH_PKCE"]:
        client_kwargs["code_challenge_method"] = "S256"
    return _NmbrsOAuthApp(
        _Integration(NAME), NAME, client_id=config["NMBRS_OAUTH_CLIENT_ID"],
        client_secret=config["NMBRS_OAUTH_CLIENT_SECRET"],
        authorize_url=config["NMBRS_OAUTH_AUTHORIZE_URL"],
        access_token_url=config["NMBRS_OAUTH_TOKEN_URL"],
        client_kwargs=client_kwargs, client_auth_methods=CLIENT_AUTH_METHODS)


def authorization_url(onboarding: Onboarding, scopes: list[str], language: str) -> str:
    """Where to send the browser to log in at Nmbrs and consent to ``scopes``.

    Remembers state (and the PKCE verifier) in the session for this onboarding.
    """
    app = _oauth_app()
    callback = redirect_uri()
    request_data = app.create_authorization_url(callback, scope=" ".join(scopes),
                                                ui_locales=language)
    app.save_authorize_data(redirect_uri=callback, onboarding=onboarding.public_id,
                            **request_data)
    return request_data["url"]


def _pending_state(state: str | None) -> dict | None:
    """The stored authorization request for ``state`` while it is still valid."""
    if not state or len(state) > 200:
        return None
    stored = session.get(f"_state_{NAME}_{state}")
    if not isinstance(stored, dict) or stored.get("exp", 0) < time.time():
        return None
    return stored.get("data")


def exchange_code(onboarding: Onboarding) -> dict:
    """Handle the callback: check state, exchange the code (with the PKCE verifier).

    Returns the token response; raises ``ConsentFailed`` (the state is used up either way).
    """
    error = request.args.get("error")
    state = request.args.get("state")
    pending = _pending_state(state)
    if pending is not None:
        session.pop(f"_state_{NAME}_{state}", None)  # one use, whatever happens next
    if error:
        if error == "access_denied":
            raise ConsentFailed(ConsentProblem.DENIED)
        log.warning("Nmbrs returned the client with error %r", error[:60])
        raise ConsentFailed(ConsentProblem.REFUSED, error[:60])
    if pending is None or pending.get("onboarding") != onboarding.public_id:
        raise ConsentFailed(ConsentProblem.STATE)
    code = request.args.get("code")
    if not code or len(code) > 2000:
        raise ConsentFailed(ConsentProblem.CODE)
    app = _oauth_app()
    params = {"code": code, "redirect_uri": pending.get("redirect_uri")}
    if pending.get("code_verifier"):
        params["code_verifier"] = pending["code_verifier"]
    try:
        return dict(app.fetch_access_token(**params))
    except MismatchingStateError:
        raise ConsentFailed(ConsentProblem.STATE) from None
    except AuthlibBaseError as failure:
        code = getattr(failure, "error", "") or ""
        if code == "invalid_grant":
            raise ConsentFailed(ConsentProblem.CODE) from None
        if code in ("invalid_client", "unauthorized_client"):
            log.error("Nmbrs refused our OAuth client (%s): check WIZARD_NMBRS_OAUTH_CLIENT_ID, "
                      "_SECRET and _CLIENT_AUTH", code)
            raise ConsentFailed(ConsentProblem.CLIENT, code) from None
        log.warning("Nmbrs refused the code exchange: %s", code[:60])
        raise ConsentFailed(ConsentProblem.REFUSED, code[:60]) from None
    except (requests.RequestException, ValueError) as failure:
        log.warning("the code exchange with Nmbrs failed: %s", type(failure).__name__)
        raise ConsentFailed(ConsentProblem.UNREACHABLE) from None
