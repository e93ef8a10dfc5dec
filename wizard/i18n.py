"""Language choice: Dutch by default, English on request; what was typed survives the switch."""
from __future__ import annotations

import json
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, request, session, url_for

from wizard.client_session import (DELEGATION_KEY, SESSION_KEY, current_delegation,
                                   current_onboarding)

bp = Blueprint("i18n", __name__)
LANGUAGE_KEY = "language"
TYPED_KEY = "typed"
#: Field names never kept across a switch, whatever a page lists: secrets and the CSRF token.
NEVER_KEPT = frozenset({"csrf_token", "token", "password", "current", "new", "confirm"})
#: At most this much typed text (as JSON) rides along in the session cookie; more is dropped.
MAX_TYPED = 2500


def select_locale() -> str:
    """Explicit choice, then the language of whom the session is for (the contact's onboarding,
    or the Nmbrs administrator's delegation), then the browser's, then Dutch."""
    supported = current_app.config["BABEL_SUPPORTED_LOCALES"]
    chosen = session.get(LANGUAGE_KEY)
    if chosen in supported:
        return chosen
    # A client's language counts on client pages; support pages keep the default.
    if request.blueprint in ("support", "api"):
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    delegation = current_delegation() if session.get(DELEGATION_KEY) else None
    onboarding = current_onboarding() if session.get(SESSION_KEY) else None
    for bound in (delegation, onboarding):
        if bound is not None and bound.language in supported:
            return bound.language
    return request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]


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


def keep_typed(form, path: str) -> None:
    """Remember the fields a page lists as safe to keep (``_keep``) for the next view of
    ``path``: never a secret, and nothing when it is too much for the session cookie."""
    names = [name for name in form.get("_keep", "").split(",") if name and name not in NEVER_KEPT]
    values = {name: form.getlist(name) for name in names if name in form}
    values = {name: found[0] if len(found) == 1 else found for name, found in values.items()}
    if values and len(json.dumps(values)) <= MAX_TYPED:
        session[TYPED_KEY] = {"path": path, "values": values}
    else:
        session.pop(TYPED_KEY, None)


def typed_values(path: str) -> dict:
    """What was typed on ``path`` before a language switch (once; empty for other pages)."""
    typed = session.pop(TYPED_KEY, None)
    if not isinstance(typed, dict) or typed.get("path") != path:
        return {}
    return {name: value for name, value in (typed.get("values") or {}).items()
            if name not in NEVER_KEPT}


@bp.route("/language/<code>", methods=["GET", "POST"])
def switch(code: str):
    """Switch the language, then show the same page; a form's switch buttons post what was typed."""
    if code in current_app.config["BABEL_SUPPORTED_LOCALES"]:
        session[LANGUAGE_KEY] = code
    target = _safe_next(request.args.get("next"))
    if request.method == "POST":
        keep_typed(request.form, urlsplit(target).path)
    return redirect(target)
