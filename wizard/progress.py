"""Where each onboarding stands, kept in ``onboarding.current_step`` for support.

The step machine decides which step a client is on, but asking it means reading
answers, terms and stored credentials: fine for one onboarding, too much for a
list of thousands. So the answer is stored on the row whenever the onboarding's
answers, status or credentials change (a ``before_flush`` hook), and support's
list, filters, export and API read the column. It is current as of the client's
last change; publishing new terms moves clients back only when they act again.
"""
from __future__ import annotations

from flask import has_app_context
from sqlalchemy import event, inspect

from wizard.extensions import db
from wizard.models import Credential, JourneyKind, Onboarding, OnboardingStatus

DONE = "done"


def position(onboarding: Onboarding) -> str:
    """The name of the step the client is on (``done`` once completed)."""
    from wizard.steps.flow import current_machine  # the steps import the models

    if onboarding.status is OnboardingStatus.COMPLETED:
        return DONE
    return current_machine().first_unfinished(onboarding).name


def _changed(onboarding: Onboarding) -> bool:
    state = inspect(onboarding)
    return state.pending or any(state.attrs[name].history.has_changes()
                                for name in ("raw_answers", "status", "kind"))


def _update_positions(session, flush_context, instances) -> None:
    if not has_app_context():
        return
    touched = {obj for obj in session.new | session.dirty
               if isinstance(obj, Onboarding) and _changed(obj)}
    touched |= {obj.onboarding for obj in session.new | session.dirty
                if isinstance(obj, Credential) and obj.onboarding is not None}
    with session.no_autoflush:
        for onboarding in touched:
            # A new row gets its column defaults only on INSERT; the steps need them now.
            onboarding.kind = onboarding.kind or JourneyKind.NEW
            onboarding.status = onboarding.status or OnboardingStatus.INVITED
            step = position(onboarding)
            if onboarding.current_step != step:
                onboarding.current_step = step


def track_progress() -> None:
    """Keep ``current_step`` up to date on every flush of the app's session (idempotent)."""
    if not event.contains(db.session, "before_flush", _update_positions):
        event.listen(db.session, "before_flush", _update_positions)
