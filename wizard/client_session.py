"""Binding the browser session to one onboarding: the cookie holds only a signed reference.

A session acts in one role: the contact who got the invite, or the Nmbrs administrator the
contact handed the Nmbrs part to (the session then also names that delegation). The
onboarding and delegation are read once per request and kept in the request's environ: the
locale selector, the views and the templates all ask for them.
"""
from __future__ import annotations

from flask import g, request, session

from wizard.extensions import db
from wizard.models import Actor, Delegation, DelegationState, Onboarding
from wizard.models.audit import CLIENT_ACTOR
from wizard.steps.base import Role

SESSION_KEY = "onboarding"
#: The bound onboarding's language, so pages that cannot reach the database still speak it.
LANGUAGE_HINT_KEY = "onboarding_language"
DELEGATION_KEY = "delegation"
_CACHE_KEY = "wizard.current_onboarding"
_DELEGATION_CACHE_KEY = "wizard.current_delegation"
_UNSET = object()
#: Delegations whose administrator may still use their session (a finished one shows its end).
_USABLE = (DelegationState.OPEN, DelegationState.FINISHED)


def bind(onboarding: Onboarding, delegation: Delegation | None = None) -> None:
    """This browser now works on ``onboarding``, as the contact or as the administrator of
    ``delegation`` (anything else in the session is dropped)."""
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF caches the (now cleared) session's token per context
    session[SESSION_KEY] = onboarding.public_id
    if delegation is not None:
        session[DELEGATION_KEY] = delegation.public_id
    session[LANGUAGE_HINT_KEY] = (delegation or onboarding).language
    session.permanent = True
    request.environ[_CACHE_KEY] = onboarding
    request.environ[_DELEGATION_CACHE_KEY] = delegation


def current_delegation() -> Delegation | None:
    """The delegation this browser's administrator session names (in any state), or None."""
    cached = request.environ.get(_DELEGATION_CACHE_KEY, _UNSET)
    if cached is not _UNSET:
        return cached
    public_id = session.get(DELEGATION_KEY)
    delegation = None
    if isinstance(public_id, str):
        delegation = db.session.execute(
            db.select(Delegation).filter_by(public_id=public_id)).scalar_one_or_none()
    request.environ[_DELEGATION_CACHE_KEY] = delegation
    return delegation


def current_role() -> Role:
    """Whom this browser acts for: the contact, or their Nmbrs administrator."""
    return Role.NMBRS_ADMIN if session.get(DELEGATION_KEY) else Role.CONTACT


def cached_onboarding() -> Onboarding | None:
    """The onboarding this request already read, without asking the database."""
    cached = request.environ.get(_CACHE_KEY, _UNSET)
    return None if cached is _UNSET else cached


def current_onboarding() -> Onboarding | None:
    """The onboarding this browser is bound to, or None (also for an administrator whose
    delegation was taken back or expired)."""
    cached = request.environ.get(_CACHE_KEY, _UNSET)
    if cached is not _UNSET:
        return cached
    public_id = session.get(SESSION_KEY)
    onboarding = None
    if isinstance(public_id, str):
        onboarding = db.session.execute(
            db.select(Onboarding).filter_by(public_id=public_id)).scalar_one_or_none()
    if onboarding is not None and current_role() is Role.NMBRS_ADMIN:
        delegation = current_delegation()
        if (delegation is None or delegation.onboarding_id != onboarding.id
                or delegation.state not in _USABLE):
            onboarding = None
    request.environ[_CACHE_KEY] = onboarding
    return onboarding


def attribute_client_events() -> None:
    """Record this request's client-side audit events as whoever the session acts for."""
    setattr(g, CLIENT_ACTOR, Actor.DELEGATE if current_role() is Role.NMBRS_ADMIN else Actor.CLIENT)


def forget_client_attribution(_exception=None) -> None:
    """The request is over: events recorded outside it are by nobody's session."""
    g.pop(CLIENT_ACTOR, None)
