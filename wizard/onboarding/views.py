"""Routes of the client wizard: parse, call one service, render."""
from __future__ import annotations

from flask import (abort, flash, jsonify, make_response, redirect, render_template, request,
                   session, url_for)
from flask_babel import force_locale, get_locale, gettext as _
from flask_wtf import FlaskForm

from wizard.client_session import (attribute_client_events, bind, current_delegation,
                                   current_onboarding, current_role, forget_client_attribution)
from wizard.change_requests import request_change
from wizard.delegation import (DelegationLimitReached, DelegationRefused, can_delegate, delegate,
                               open_delegation, record_delegation_opened, redeem_delegation_link)
from wizard.extensions import db
from wizard.i18n import LANGUAGE_KEY, keep_typed, select_locale, typed_values
from wizard.invites.links import InviteError, InviteProblem, redeem_invite
from wizard.lifecycle import AlreadyCompleted, IncompleteOnboarding, OnboardingError, save_step
from wizard.models import DelegationState, OnboardingStatus
from wizard.onboarding import bp
from wizard.onboarding.device import enter_onboarding, may_see
from wizard.onboarding.forms import DelegationForm
from wizard.steps.base import ExternalRedirect, Role, StepError
from wizard.steps.delegation import limit_message
from wizard.steps.done import ChangeRequestForm, change_request_context
from wizard.steps.flow import current_machine

INVITE_PROBLEM_STATUS = {
    InviteProblem.MALFORMED: 400,
    InviteProblem.EXPIRED: 410,
    InviteProblem.UNKNOWN: 404,
    InviteProblem.REPLACED: 410,
    InviteProblem.REVOKED: 410,
}


bp.before_request(attribute_client_events)
bp.teardown_request(forget_client_attribution)


@bp.get("/i/<path:token>")
def open_invite(token: str):
    """Exchange an invite token for a session, then go to a clean URL without the token."""
    try:
        onboarding = redeem_invite(token)
    except InviteError as error:
        db.session.rollback()
        return _refused_invite(error)
    return enter_onboarding(onboarding)  # a browser it does not know must verify first


@bp.get("/a/<path:token>")
def open_delegation_link(token: str):
    """The Nmbrs administrator's link: a session for the Nmbrs part only, then a clean URL."""
    try:
        delegation = redeem_delegation_link(token)
    except InviteError as error:
        db.session.rollback()
        return _refused_invite(error)
    bind(delegation.onboarding, delegation)
    record_delegation_opened(delegation)
    db.session.commit()
    return redirect(url_for(".current"))


def _refused_invite(error: InviteError):
    """Say what is wrong with a link: in the language chosen, else that of whom the link was
    for, else the browser's."""
    language = session.get(LANGUAGE_KEY) or error.language
    with force_locale(language or select_locale()):
        if error.problem is InviteProblem.COMPLETED:
            # Which organisation is done is shown only to a browser that worked on it; the
            # newest link opens it there again, to ask for a change of companies.
            if not may_see(error.onboarding):
                return render_template("onboarding/already_done.html", onboarding=None)
            context = {}
            if error.current_link:
                bind(error.onboarding)
                context = change_request_context(error.onboarding)
            return render_template("onboarding/already_done.html", onboarding=error.onboarding,
                                   **context)
        return render_template("errors/invite.html", problem=error.problem.value), \
            INVITE_PROBLEM_STATUS[error.problem]


def _onboarding_or_401():
    onboarding = current_onboarding()
    if onboarding is None:
        delegation = current_delegation()
        if delegation is not None:  # an administrator whose link was taken back or ran out
            abort(make_response(render_template("errors/invite.html", problem=(
                "revoked" if delegation.state is DelegationState.REVOKED else "expired")), 410))
        abort(401)
    return onboarding


@bp.get("/onboarding/")
def current():
    onboarding = _onboarding_or_401()
    machine = current_machine(current_role())
    step = (machine.steps[-1] if _finished_for_this_session(onboarding)
            else machine.first_unfinished(onboarding))
    return redirect(url_for(".step", name=step.name))


def _finished_for_this_session(onboarding) -> bool:
    """Nothing is left to do here: the onboarding is complete, or the administrator's part is."""
    if onboarding.status is OnboardingStatus.COMPLETED:
        return True
    delegation = current_delegation() if current_role() is Role.NMBRS_ADMIN else None
    return delegation is not None and delegation.state is DelegationState.FINISHED


def _open_step(name: str):
    """The onboarding and step this request may use, or the response that replaces the step."""
    onboarding = _onboarding_or_401()
    machine = current_machine(current_role())
    step = machine.get(name)
    if step is None:
        abort(404)  # including the steps of another role: an administrator never sees the terms
    last = machine.steps[-1]
    if _finished_for_this_session(onboarding):
        # Finished stays finished: the last page shows even after the hand-off was confirmed
        # and the credentials purged (which leaves the credentials step incomplete).
        return onboarding, step, (None if step is last else redirect(url_for(".step", name=last.name)))
    if onboarding.status is not OnboardingStatus.COMPLETED and not onboarding.is_open:
        return onboarding, step, (render_template("errors/invite.html", problem=(
            "revoked" if onboarding.status is OnboardingStatus.REVOKED else "expired")), 410)
    if not machine.is_available(onboarding, step):
        # Never jump ahead: go to the first step that still needs an answer.
        return onboarding, step, redirect(url_for(".step", name=machine.first_unfinished(onboarding).name))
    return onboarding, step, None


def _render_step(onboarding, step, form, status: int, **extra):
    role = current_role()
    machine = current_machine(role)
    return render_template(
        step.template, onboarding=onboarding, step=step, form=form,
        action_form=FlaskForm(), steps=machine.states(onboarding, step),
        previous=machine.previous(onboarding, step), role=role.value,
        may_delegate=role is Role.CONTACT and can_delegate(onboarding),
        **{**step.context(onboarding), **extra}), status


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
            machine = current_machine(current_role())
            following = machine.next(onboarding, step) if step.is_complete(onboarding) else None
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
    if current_role() is not Role.CONTACT:
        abort(404)  # the Nmbrs administrator's part ended at the check
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


@bp.route("/onboarding/send-to-admin", methods=["GET", "POST"])
def send_to_admin():
    """"Stuur dit naar mijn Nmbrs-beheerder": the contact hands the Nmbrs part over."""
    onboarding = _onboarding_or_401()
    if current_role() is not Role.CONTACT:
        abort(404)
    if not can_delegate(onboarding):
        return redirect(url_for(".current"))
    form = DelegationForm(data={"language": str(get_locale()), **typed_values(request.path)})
    if form.validate_on_submit():
        try:
            delegate(onboarding, email=form.email.data, name=form.name.data,
                     language=form.language.data)
        except DelegationLimitReached as error:
            form.form_errors.append(limit_message(error))
        except DelegationRefused:
            db.session.rollback()
            return redirect(url_for(".current"))
        else:
            return redirect(url_for(".step", name="delegation"))
    back = current_machine().get(request.args.get("from", ""))
    return render_template("onboarding/send_to_admin.html", onboarding=onboarding, form=form,
                           back=back, current=open_delegation(onboarding)), \
        422 if request.method == "POST" else 200
