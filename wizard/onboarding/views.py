"""Routes of the client wizard: parse, call one service, render."""
from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import force_locale, get_locale, gettext as _
from flask_wtf import FlaskForm

from wizard.change_requests import request_change
from wizard.extensions import db
from wizard.i18n import LANGUAGE_KEY, keep_typed, select_locale, typed_values
from wizard.invites.links import InviteError, InviteProblem, record_invite_opened, redeem_invite
from wizard.models import OnboardingStatus
from wizard.lifecycle import IncompleteOnboarding, OnboardingError, save_step, start_onboarding
from wizard.onboarding import bp
from wizard.client_session import bind, current_onboarding
from wizard.steps.base import ExternalRedirect, StepError
from wizard.steps.done import ChangeRequestForm, change_request_context
from wizard.steps.flow import current_machine

INVITE_PROBLEM_STATUS = {
    InviteProblem.MALFORMED: 400,
    InviteProblem.EXPIRED: 410,
    InviteProblem.UNKNOWN: 404,
    InviteProblem.REPLACED: 410,
    InviteProblem.REVOKED: 410,
}


@bp.after_request
def no_referrer(response):
    """Nothing under the wizard may leak its URL to another site."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


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
    """Say what is wrong with a link: in the language chosen, else the onboarding's when the link
    names one, else the browser's."""
    language = session.get(LANGUAGE_KEY) or (error.onboarding.language if error.onboarding else None)
    with force_locale(language or select_locale()):
        if error.problem is InviteProblem.COMPLETED:
            context = {}
            if error.current_link:
                # The newest link of a finished journey still opens it: to ask for a change.
                bind(error.onboarding)
                context = change_request_context(error.onboarding)
            return render_template("onboarding/already_done.html", onboarding=error.onboarding,
                                   **context)
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
    return redirect(url_for(".step", name=current_machine().first_unfinished(onboarding).name))


def _open_step(name: str):
    """The onboarding and step this request may use, or the response that replaces the step."""
    onboarding = _onboarding_or_401()
    machine = current_machine()
    step = machine.get(name)
    if step is None:
        abort(404)
    done = machine.get("done")
    if onboarding.status is OnboardingStatus.COMPLETED and step is not done:
        return onboarding, step, redirect(url_for(".step", name=done.name))
    if onboarding.status is not OnboardingStatus.COMPLETED and not onboarding.is_open:
        return onboarding, step, (render_template("errors/invite.html", problem=(
            "revoked" if onboarding.status is OnboardingStatus.REVOKED else "expired")), 410)
    if not machine.is_available(onboarding, step):
        # Never jump ahead: go to the first step that still needs an answer.
        return onboarding, step, redirect(url_for(".step", name=machine.first_unfinished(onboarding).name))
    return onboarding, step, None


def _render_step(onboarding, step, form, status: int, **extra):
    machine = current_machine()
    return render_template(
        step.template, onboarding=onboarding, step=step, form=form,
        action_form=FlaskForm(), steps=machine.states(onboarding, step),
        previous=machine.previous(onboarding, step), **{**step.context(onboarding), **extra}), status


@bp.route("/onboarding/<name>", methods=["GET", "POST"])
def step(name: str):
    onboarding, step, response = _open_step(name)
    if response is not None:
        return response

    form = step.form_class(data={**step.initial(onboarding), **typed_values(request.path)})
    if request.method == "POST" and form.validate_on_submit():
        try:
            outcome = save_step(onboarding, step, form)
        except StepError as error:
            db.session.rollback()
            _show_refusal(form, error)
        except IncompleteOnboarding as error:
            db.session.rollback()
            return _back_to(error.steps[0])
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


def _show_refusal(form, error: StepError) -> None:
    """Put a refusal's messages at the fields they belong to (the rest on the whole form)."""
    for name, message in error.field_messages().items():
        target = getattr(form, name, None) if name else None
        if target is not None:
            target.errors = [*target.errors, message]
        else:
            form.form_errors.append(message)


def _back_to(step):
    """Finishing found an earlier step no longer complete: send the client there, saying why."""
    flash(_("Deze stap moet opnieuw worden ingevuld voordat je kunt afronden."), "error")
    return redirect(url_for(".step", name=step.name))


@bp.post("/onboarding/change-request")
def change_request():
    """A finished client asks support to change which companies are connected."""
    onboarding = _onboarding_or_401()
    done = current_machine().get("done")
    if onboarding.status is not OnboardingStatus.COMPLETED:
        return redirect(url_for(".current"))
    form = ChangeRequestForm()
    if not form.validate_on_submit():
        return _render_step(onboarding, done, form, 422, change_form=form)
    filed = request_change(onboarding, form.message.data, language=str(get_locale()))
    flash(_("Je verzoek is verstuurd. Support neemt het op en stuurt je een link om de bedrijven "
            "opnieuw te kiezen.") if filed.created else
          _("Er ligt al een verzoek van je bij support; we hebben er geen tweede van gemaakt."),
          "change_request")
    return redirect(url_for(".step", name=done.name, _anchor="change-request"))


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
        _show_refusal(form, error)
        return _render_step(onboarding, step, form, 422)
    db.session.commit()
    if isinstance(outcome, ExternalRedirect):
        return redirect(outcome.url)
    target = url_for(".step", name=step.name)
    # An action posted from the step's own form (re-reading the companies) keeps what was chosen.
    keep_typed(request.form, target)
    return redirect(target)
