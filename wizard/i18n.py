"""Language choice: Dutch by default, English on request."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, request, session, url_for

from wizard.client_session import SESSION_KEY, current_onboarding

bp = Blueprint("i18n", __name__)
LANGUAGE_KEY = "language"


def select_locale() -> str:
    """Explicit choice, then the onboarding's language, then Dutch."""
    supported = current_app.config["BABEL_SUPPORTED_LOCALES"]
    chosen = session.get(LANGUAGE_KEY)
    if chosen in supported:
        return chosen
    # A client's language counts on client pages; support pages keep the default.
    bound = session.get(SESSION_KEY) and request.blueprint not in ("support", "api")
    onboarding = current_onboarding() if bound else None
    if onboarding is not None and onboarding.language in supported:
        return onboarding.language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


#: Longest return path accepted; anything longer goes to the start page.
MAX_NEXT_LENGTH = 2000


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: the switch must not become an open redirect, nor put
    control characters (a header split) into the Location header."""
    home = url_for("main.index")
    if not target or len(target) > MAX_NEXT_LENGTH or not target.isprintable() or "\\" in target:
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return home
    return target


@bp.get("/language/<code>")
def switch(code: str):
    if code in current_app.config["BABEL_SUPPORTED_LOCALES"]:
        session[LANGUAGE_KEY] = code
    return redirect(_safe_next(request.args.get("next")))
