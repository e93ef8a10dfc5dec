"""Binding the browser session to one onboarding: the cookie holds only a signed reference.

The onboarding is read once per request and kept in the request's environ: the
locale selector, the views and the templates all ask for it.
"""
from __future__ import annotations

from flask import g, request, session

from wizard.extensions import db
from wizard.models import Onboarding

SESSION_KEY = "onboarding"
#: The bound onboarding's language, so pages that cannot reach the database still speak it.
LANGUAGE_HINT_KEY = "onboarding_language"
_CACHE_KEY = "wizard.current_onboarding"
_UNSET = object()


def bind(onboarding: Onboarding) -> None:
    """This browser now works on ``onboarding`` (anything else in the session is dropped)."""
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF caches the (now cleared) session's token per context
    session[SESSION_KEY] = onboarding.public_id
    session[LANGUAGE_HINT_KEY] = onboarding.language
    session.permanent = True
    request.environ[_CACHE_KEY] = onboarding


def cached_onboarding() -> Onboarding | None:
    """The onboarding this request already read, without asking the database."""
    cached = request.environ.get(_CACHE_KEY, _UNSET)
    return None if cached is _UNSET else cached


def current_onboarding() -> Onboarding | None:
    """The onboarding this browser is bound to, or None."""
    cached = request.environ.get(_CACHE_KEY, _UNSET)
    if cached is not _UNSET:
        return cached
    public_id = session.get(SESSION_KEY)
    onboarding = None
    if isinstance(public_id, str):
        onboarding = db.session.execute(
            db.select(Onboarding).filter_by(public_id=public_id)).scalar_one_or_none()
    request.environ[_CACHE_KEY] = onboarding
    return onboarding
