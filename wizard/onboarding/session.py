"""Binding the browser session to one onboarding: the cookie holds only a signed reference."""
from __future__ import annotations

from flask import session

from wizard.extensions import db
from wizard.models import Onboarding

SESSION_KEY = "onboarding"


def bind(onboarding: Onboarding) -> None:
    session.clear()
    session[SESSION_KEY] = onboarding.public_id
    session.permanent = True


def current_onboarding() -> Onboarding | None:
    public_id = session.get(SESSION_KEY)
    if not isinstance(public_id, str):
        return None
    return db.session.execute(
        db.select(Onboarding).filter_by(public_id=public_id)).scalar_one_or_none()
