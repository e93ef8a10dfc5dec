"""Routes of the client wizard: parse, call one service, render."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import force_locale, gettext as _
from flask_wtf import FlaskForm

from wizard.extensions import db
from wizard.i18n import LANGUAGE_KEY
from wizard.invites.links import InviteError, InviteProblem, record_invite_opened, redeem_invite
from wizard.models import OnboardingStatus
from wizard.lifecycle import (AlreadyCompleted, IncompleteOnboarding, OnboardingError, save_step,
                              start_onboarding)
from wizard.onboarding import bp
from wizard.client_session import bind, current_onboarding
from wizard.steps.base import ExternalRedirect, StepError
from wizard.steps.flow import current_machine

INVITE_PROBLEM_STATUS = {
    InviteProblem.MALFORMED: 400,
    InviteProblem.EXPIRED: 410,
    InviteProblem.UNKNOWN: 404,
    InviteProblem.REPLACED: 410,
    InviteProblem.REVOKED: 410,
}


@bp.get("/i/<path:token>")
def open_invite(token: str):
    """Exchange an invite token for a session, then go to a clean URL without the token."""
    try:
        onboarding = redeem_invite(token)
    except InviteError as error:
        db.session.rollback()
        return _refused_invite(error)
    bind(onboarding)
    start_onboarding(onboarding)
    record_invite_opened(onboarding, user_agent=request.user_agent.string)
    if db.session.dirty or db.session.new:
        db.session.commit()
    else:
        db.session.rollback()  # a repeat open within the same visit: nothing to write
    return redirect(url_for(".current"))


def _refused_invite(error: InviteError):
    """Say what is wrong with a link, in the onboarding's language when we know it."""
    language = session.get(LANGUAGE_KEY) or (error.onboarding.language if error.onboarding else "nl")
    with force_locale(language):
        if error.problem is InviteProblem.COMPLETED:
            return render_template("onboarding/already_done.html", onboarding=error.onboarding)
        return render_template("errors/invite.html", problem=error.problem.value), \
            INVITE_PROBLEM_STATUS[error.problem]


def _onboarding_or_401():
    onboarding = current_onboarding()
    if onboarding is None:
        abort(401)
    return onboarding


@bp.get("/onboarding/")
def current():
    onboarding = _onboarding_or_401()
    machine = current_machine()
    step = (machine.get("done") if onboarding.status is OnboardingStatus.COMPLETED
            else machine.first_unfinished(onboarding))
    return redirect(url_for(".step", name=step.name))


def _open_step(name: str):
    """The onboarding and step this request may use, or the response that replaces the step."""
    onboarding = _onboarding_or_401()
    machine = current_machine()
    step = machine.get(name)
    if step is None:
        abort(404)
    done = machine.get("done")
    if onboarding.status is OnboardingStatus.COMPLETED:
        # Finished stays finished: the done page shows even after the hand-off was confirmed
        # and the credentials purged (which leaves the credentials step incomplete).
        return onboarding, step, (None if step is done else redirect(url_for(".step", name=done.name)))
    if onboarding.status is not OnboardingStatus.COMPLETED and not onboarding.is_open:
        return onboarding, step, (render_template("errors/invite.html", problem=(
            "revoked" if onboarding.status is OnboardingStatus.REVOKED else "expired")), 410)
    if not machine.is_available(onboarding, step):
        # Never jump ahead: go to the first step that still needs an answer.
        return onboarding, step, redirect(url_for(".step", name=machine.first_unfinished(onboarding).name))
    return onboarding, step, None


def _render_step(onboarding, step, form, status: int):
    machine = current_machine()
    return render_template(
        step.template, onboarding=onboarding, step=step, form=form,
        action_form=FlaskForm(), steps=machine.states(onboarding, step),
        previous=machine.previous(onboarding, step), **step.context(onboarding)), status


@bp.route("/onboarding/<name>", methods=["GET", "POST"])
def step(name: str):
    onboarding, step, response = _open_step(name)
    if response is not None:
        return response

    form = step.form_class(data=step.initial(onboarding))
    if request.method == "POST" and form.validate_on_submit():
        try:
            outcome = save_step(onboarding, step, form)
        except StepError as error:
            db.session.rollback()
            target = getattr(form, error.field, None) if error.field else None
            if target is not None:
                target.errors = [*target.errors, error.message]
            else:
                form.form_errors.append(error.message)
        except IncompleteOnboarding as error:
            db.session.rollback()
            return _back_to(error.steps[0])
        except AlreadyCompleted:
            db.session.rollback()  # a second tab or click finished first: show what it did
            return redirect(url_for(".step", name="done"))
        except OnboardingError:
            db.session.rollback()
            form.form_errors.append(_("Afronden is niet gelukt; er is niets verloren gegaan. Probeer "
                                      "het opnieuw of neem contact met ons op."))
        else:
            db.session.commit()
            if isinstance(outcome, ExternalRedirect):
                return redirect(outcome.url)
            following = current_machine().next(onboarding, step) if step.is_complete(onboarding) else None
            return redirect(url_for(".step", name=(following or step).name))
    return _render_step(onboarding, step, form, 422 if request.method == "POST" else 200)


def _back_to(step):
    """Finishing found an earlier step no longer complete: send the client there, saying why."""
    flash(_("Deze stap moet opnieuw worden ingevuld voordat je kunt afronden."), "error")
    return redirect(url_for(".step", name=step.name))


@bp.get("/onboarding/validation/progress")
def validation_progress():
    """How far the running check is, for the page's script (JSON with the list so far)."""
    onboarding, step, response = _open_step("validation")
    if response is not None:
        return jsonify(running=False)  # not on the check (yet): nothing runs for the page
    context = step.context(onboarding)
    running = context["running"]
    if running is None:
        return jsonify(running=False)
    return jsonify(running=True, checked=running.checked, total=running.total,
                   html=render_template("onboarding/_validation_progress.html", **context))


@bp.post("/onboarding/<name>/<action>")
def step_action(name: str, action: str):
    """A step's side action (e.g. run the check again); then show the step (post/redirect/get)."""
    onboarding, step, response = _open_step(name)
    if response is not None:
        return response
    if action not in step.actions:
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        outcome = step.perform(action, onboarding)
    except StepError as error:
        db.session.rollback()
        form = step.form_class(formdata=None, data=step.initial(onboarding))
        form.form_errors.append(error.message)
        return _render_step(onboarding, step, form, 422)
    db.session.commit()
    if isinstance(outcome, ExternalRedirect):
        return redirect(outcome.url)
    return redirect(url_for(".step", name=step.name))
