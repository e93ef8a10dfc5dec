"""The callback from Nmbrs' identity server: check, exchange, store, check the rights."""
from __future__ import annotations

from flask import redirect, render_template, url_for

from wizard.client_session import (attribute_client_events, current_delegation,
                                   current_onboarding, forget_client_attribution)
from wizard.connection.consent.authorization import ConsentFailed, ConsentProblem, exchange_code
from wizard.connection.consent.grant import revoke_at_nmbrs, store_grant
from wizard.connection.registry import available_methods
from wizard.connection.validation import start_validation
from wizard.extensions import db
from wizard.models import Actor, DelegationState, JourneyKind, OnboardingStatus, record_event
from wizard.oauth import bp

PROBLEM_STATUS = {
    ConsentProblem.DENIED: 200,       # the user's own choice; the page offers to try again
    ConsentProblem.STATE: 400,
    ConsentProblem.CODE: 400,
    ConsentProblem.REFUSED: 400,
    ConsentProblem.CLIENT: 502,
    ConsentProblem.UNREACHABLE: 502,
}


bp.before_request(attribute_client_events)
bp.teardown_request(forget_client_attribution)


def _failed(problem: str, status: int, onboarding=None):
    fallback = available_methods() if onboarding is not None and onboarding.kind is not \
        JourneyKind.SWITCH_TO_CONSENT else ()
    return render_template("onboarding/consent_failed.html", problem=problem,
                           onboarding=onboarding, token_fallback=fallback), status


@bp.get("/oauth/nmbrs/callback")
def nmbrs_callback():
    onboarding = current_onboarding()
    if onboarding is None:
        return _failed("session", 400)
    delegation = current_delegation()
    if onboarding.status is OnboardingStatus.COMPLETED or (
            delegation is not None and delegation.state is DelegationState.FINISHED):
        return redirect(url_for("onboarding.current"))
    if not onboarding.is_open:
        return _failed("closed", 410, onboarding)
    try:
        token = exchange_code(onboarding)
    except ConsentFailed as failure:
        record_event(onboarding, Actor.CLIENT, "consent.failed", problem=failure.problem.value)
        db.session.commit()
        return _failed(failure.problem.value, PROBLEM_STATUS[failure.problem], onboarding)
    replaced = store_grant(onboarding, token)
    db.session.commit()
    if replaced:
        revoke_at_nmbrs(replaced)  # the new consent takes over; the old grant is not used again
    # Check every right in the background: the next page shows it happening.
    start_validation(onboarding)
    return redirect(url_for("onboarding.step", name="validation"))
