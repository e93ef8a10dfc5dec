"""A second browser proves it is the invitee before it may continue (routes).

``enter_onboarding`` is what every link that opens an onboarding calls after
redeeming its token: a browser the onboarding knows is bound at once; any other
is sent to the verification page, which mails a one-time code to the invite's
address. The rules live in ``wizard.invites.devices``.
"""
from __future__ import annotations

from flask import abort, redirect, render_template, request, session, url_for
from flask_babel import force_locale, format_time, gettext as _, ngettext
from flask_wtf import FlaskForm

from wizard.client_device import device_id
from wizard.client_session import LANGUAGE_HINT_KEY, bind, current_onboarding
from wizard.extensions import db
from wizard.i18n import LANGUAGE_KEY
from wizard.invites.devices import (CodeProblem, CodeRefused, admit_device, knows_device,
                                    live_code, mask_email, record_challenge, send_device_code,
                                    verify_device_code)
from wizard.invites.links import record_invite_opened
from wizard.lifecycle import start_onboarding
from wizard.models import Onboarding, OnboardingStatus
from wizard.models.base import utcnow
from wizard.onboarding import bp
from wizard.onboarding.forms import DeviceCodeForm

#: The onboarding a browser is verifying for (set after it redeemed a valid link).
PENDING_KEY = "device_check"


def enter_onboarding(onboarding: Onboarding):
    """Bind this browser to a redeemed onboarding, or ask it to verify first; a response."""
    bound = current_onboarding()
    session_bound = bound is not None and bound.public_id == onboarding.public_id
    if not admit_device(onboarding, device_id(), session_bound=session_bound):
        if session.get(PENDING_KEY) != onboarding.public_id:
            record_challenge(onboarding, device_id())
            session[PENDING_KEY] = onboarding.public_id
        session[LANGUAGE_HINT_KEY] = onboarding.language
        db.session.commit()
        return redirect(url_for("onboarding.verify_device"))
    _bind_and_open(onboarding)
    return redirect(url_for("onboarding.current"))


def _bind_and_open(onboarding: Onboarding) -> None:
    bind(onboarding)
    start_onboarding(onboarding)
    record_invite_opened(onboarding, user_agent=request.user_agent.string)
    if db.session.dirty or db.session.new:
        db.session.commit()
    else:
        db.session.rollback()  # a repeat open within the same visit: nothing to write


def may_see(onboarding: Onboarding) -> bool:
    """Whether this browser may see details of the onboarding (it is bound or trusted)."""
    bound = current_onboarding()
    if bound is not None and bound.public_id == onboarding.public_id:
        return True
    return knows_device(onboarding, device_id())


def _language(onboarding: Onboarding) -> str:
    return session.get(LANGUAGE_KEY) or onboarding.language


def _pending() -> Onboarding:
    public_id = session.get(PENDING_KEY)
    onboarding = None
    if isinstance(public_id, str):
        onboarding = db.session.execute(
            db.select(Onboarding).filter_by(public_id=public_id)).scalar_one_or_none()
    if onboarding is None:
        abort(401)
    return onboarding


def _closed_page(onboarding: Onboarding):
    """The onboarding ended while this browser was verifying: say so, showing nothing of it."""
    session.pop(PENDING_KEY, None)
    if onboarding.status is OnboardingStatus.COMPLETED:
        return render_template("onboarding/already_done.html", onboarding=None)
    problem = "revoked" if onboarding.status is OnboardingStatus.REVOKED else "expired"
    return render_template("errors/invite.html", problem=problem), 410


def _page(onboarding: Onboarding, form: DeviceCodeForm, status: int = 200):
    code = live_code(onboarding, device_id())
    return render_template(
        "onboarding/verify_device.html", form=form, send_form=FlaskForm(),
        masked_email=mask_email(onboarding.contact_email),
        code_expires_text=format_time(code.expires_at, "HH:mm") if code else None), status


def _refusal_message(refusal: CodeRefused) -> str:
    if refusal.problem is CodeProblem.WRONG:
        return ngettext("Deze code klopt niet. Je kunt het nog %(num)s keer proberen.",
                        "Deze code klopt niet. Je kunt het nog %(num)s keer proberen.",
                        refusal.attempts_left)
    if refusal.problem is CodeProblem.RATE_LIMITED:
        return _("Er zijn het afgelopen uur te veel codes verstuurd. Probeer het na %(time)s "
                 "opnieuw, of werk verder in de browser waarin je begon.",
                 time=format_time(refusal.retry_at, "HH:mm"))
    return {
        CodeProblem.LOCKED: _("Deze code is te vaak verkeerd ingevuld en werkt niet meer. "
                              "Vraag een nieuwe code aan."),
        CodeProblem.EXPIRED: _("Deze code is verlopen. Vraag een nieuwe code aan."),
        CodeProblem.NO_CODE: _("Er is geen geldige code voor deze browser. Vraag eerst een code "
                               "aan."),
        CodeProblem.NOT_SENT: _("De e-mail met de code kon niet worden verstuurd. Probeer het over "
                                "een paar minuten opnieuw of neem contact met ons op."),
    }[refusal.problem]


@bp.get("/onboarding/verify-browser")
def verify_device():
    """Why this browser must verify, the masked address, and the code form."""
    onboarding = _pending()
    with force_locale(_language(onboarding)):
        if not onboarding.is_open:
            return _closed_page(onboarding)
        return _page(onboarding, DeviceCodeForm(formdata=None))


@bp.post("/onboarding/verify-browser/send")
def send_verification_code():
    """Mail a (new) code to the invite's address; then show the page (post/redirect/get)."""
    onboarding = _pending()
    with force_locale(_language(onboarding)):
        if not FlaskForm().validate_on_submit():
            abort(400)
        if not onboarding.is_open:
            return _closed_page(onboarding)
        try:
            send_device_code(onboarding, device_id())
        except CodeRefused as refusal:
            if refusal.problem is CodeProblem.CLOSED:
                return _closed_page(onboarding)
            form = DeviceCodeForm(formdata=None)
            form.form_errors.append(_refusal_message(refusal))
            response, status = _page(onboarding, form,
                                     429 if refusal.problem is CodeProblem.RATE_LIMITED else 503)
            headers = {}
            if refusal.retry_at is not None:
                headers["Retry-After"] = str(max(1, int(
                    (refusal.retry_at - utcnow()).total_seconds())))
            return response, status, headers
        return redirect(url_for("onboarding.verify_device"))


@bp.post("/onboarding/verify-browser")
def check_verification_code():
    """Check the typed code; on success this browser is remembered and continues."""
    onboarding = _pending()
    with force_locale(_language(onboarding)):
        if not onboarding.is_open:
            return _closed_page(onboarding)
        form = DeviceCodeForm()
        if form.validate_on_submit():
            try:
                verify_device_code(onboarding, device_id(), form.code.data)
            except CodeRefused as refusal:
                if refusal.problem is CodeProblem.CLOSED:
                    return _closed_page(onboarding)
                form.code.errors = [*form.code.errors, _refusal_message(refusal)]
            else:
                _bind_and_open(onboarding)  # clears the session, the pending check included
                return redirect(url_for("onboarding.current"))
        form.code.raw_data, form.code.data = None, ""  # a code is never written back into a page
        return _page(onboarding, form, 422)
