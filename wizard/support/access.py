"""Getting in and managing access: login, logout, own password, support accounts, API keys."""
from __future__ import annotations

import logging
import math
import secrets

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from wizard.extensions import db
from wizard.i18n import typed_values
from wizard.models import ApiKey, SupportUser
from wizard.staff import (AccountError, LoginRefused, authenticate, change_password, create_api_key,
                          create_user, end_session, list_api_keys, list_users, revoke_api_key,
                          set_active, start_session)
from wizard.support import bp
from wizard.support.auth import (admin_required, clear_session_cookie, cookie_name, current_session,
                                 safe_next, set_session_cookie)
from wizard.support.forms import AccountForm, ApiKeyForm, LoginForm, PasswordForm

log = logging.getLogger(__name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST" and not current_app.config["SUPPORT_PASSWORD_LOGIN"]:
        abort(403)  # single sign-on only: the form is not even shown
    form = LoginForm(data=None if request.method == "POST" else {
        "next": request.args.get("next"), **typed_values(request.path)})
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data)
        except LoginRefused as refusal:
            status = 429 if refusal.locked_for else 401
            log.warning("support login refused%s", " (locked)" if refusal.locked_for else "")
            form.form_errors.append(
                _("Te veel mislukte pogingen. Probeer het over %(minutes)s minuten opnieuw.",
                  minutes=max(1, math.ceil(refusal.locked_for.total_seconds() / 60)))
                if refusal.locked_for else _("Dit e-mailadres en wachtwoord horen niet bij elkaar."))
        else:
            _session, token = start_session(user, replacing=request.cookies.get(cookie_name()))
            response = redirect(safe_next(form.next.data))
            set_session_cookie(response, token)
            return response
    elif request.method == "POST":
        status = 422
    return render_template("support/login.html", form=form), status


@bp.post("/logout")
def logout():
    if not FlaskForm().validate_on_submit():
        abort(400)
    end_session(current_session())
    response = redirect(url_for("support.login"))
    clear_session_cookie(response)
    return response


@bp.route("/account/password", methods=["GET", "POST"])
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            change_password(current_user, current=form.current.data, new=form.new.data,
                            keep_session_id=current_session().id)
        except AccountError:
            db.session.rollback()
            form.current.errors = [*form.current.errors, _("Dit is niet je huidige wachtwoord.")]
        else:
            return render_template("support/password.html", form=PasswordForm(formdata=None),
                                   changed=True)
    return render_template("support/password.html", form=form), 422 if form.errors else 200


def _accounts_page(form: AccountForm, status: int = 200, created: tuple | None = None):
    return render_template("support/accounts.html", form=form, users=list_users(),
                           action_form=FlaskForm(), created=created), status


@bp.route("/accounts", methods=["GET", "POST"])
@admin_required
def accounts():
    form = AccountForm(data=typed_values(request.path))
    if form.validate_on_submit():
        initial = secrets.token_urlsafe(15)
        try:
            user = create_user(email=form.email.data, role=form.role.data, password=initial,
                               by=current_user)
        except AccountError:
            db.session.rollback()
            form.email.errors = [*form.email.errors, _("Er is al een account met dit e-mailadres.")]
        else:
            # The generated password is shown this once, to pass on; the user changes it.
            return _accounts_page(AccountForm(formdata=None), created=(user, initial))
    return _accounts_page(form, 422 if form.errors else 200)


@bp.post("/accounts/<int:user_id>/<any(activate, deactivate):change>")
@admin_required
def account_state(user_id: int, change: str):
    if not FlaskForm().validate_on_submit():
        abort(400)
    user = db.session.get(SupportUser, user_id) or abort(404)
    try:
        set_active(user, change == "activate", by=current_user)
    except AccountError:
        db.session.rollback()
        abort(409)
    return redirect(url_for(".accounts"))


def _keys_page(form: ApiKeyForm, status: int = 200, created: tuple | None = None):
    return render_template("support/api_keys.html", form=form, keys=list_api_keys(),
                           action_form=FlaskForm(), created=created), status


@bp.route("/api-keys", methods=["GET", "POST"])
@admin_required
def api_keys():
    form = ApiKeyForm(data=typed_values(request.path))
    if form.validate_on_submit():
        key, plain = create_api_key(name=form.name.data, scope=form.scope.data, by=current_user)
        return _keys_page(ApiKeyForm(formdata=None), created=(key, plain))
    return _keys_page(form, 422 if form.errors else 200)


@bp.post("/api-keys/<int:key_id>/revoke")
@admin_required
def revoke_key(key_id: int):
    if not FlaskForm().validate_on_submit():
        abort(400)
    key = db.session.get(ApiKey, key_id) or abort(404)
    revoke_api_key(key, by=current_user)
    return redirect(url_for(".api_keys"))
