"""How the client connects Nmbrs: with an API token now, with a Nmbrs login (OAuth) once configured."""
from __future__ import annotations

from flask import current_app

from wizard.models import Onboarding

TOKEN = "token"
OAUTH = "oauth"
METHODS = (TOKEN, OAUTH)


class MethodUnavailable(ValueError):
    """The chosen method exists but this installation cannot offer it (yet)."""


def oauth_available() -> bool:
    """True once the REST consent flow is configured (the OAuth issue sets NMBRS_OAUTH_CLIENT_ID)."""
    return bool(current_app.config.get("NMBRS_OAUTH_CLIENT_ID"))


def available_methods() -> tuple[str, ...]:
    return METHODS if oauth_available() else (TOKEN,)


def choose_method(onboarding: Onboarding, method: str) -> None:
    """Store the client's choice of connection method."""
    if method not in available_methods():
        raise MethodUnavailable(method)
    onboarding.answers.record("method", method=method)


def chosen_method(onboarding: Onboarding) -> str | None:
    answer = onboarding.answers.method
    return answer.method if answer else None
