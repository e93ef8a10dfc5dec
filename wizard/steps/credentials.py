"""Step "credentials": the preparation guide, then username, API token and (optional) domain."""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import Email, InputRequired, Length, ValidationError

from wizard.connection.token.advice import NMBRS_USER_TEMPLATE
from wizard.connection.token.credentials import (DomainError, domain_host, has_token,
                                           normalise_domain, store_token_credentials,
                                           stored_token_credentials)
from wizard.connection.token.guide import rights_by_service
from wizard.connection.token.login import LoginProblem, LoginRejected, check_login
from wizard.connection.profile import profile_for
from wizard.connection.registry import credential_step_for
from wizard.connection.validation import start_validation
from wizard.models import Onboarding
from wizard.steps.base import NMBRS_PART, Step, StepError


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _compact(value):
    """Tokens are pasted; drop the spaces and line breaks that come along."""
    return "".join(value.split()) if isinstance(value, str) else value


class CredentialsForm(FlaskForm):
    """``data={"token_stored": True}`` lets the token field stay empty (keep the stored token)."""

    username = EmailField(
        _l("E-mailadres van de Nmbrs-login"), filters=[_strip],
        validators=[InputRequired(message=_l("Vul het e-mailadres van de Nmbrs-login in.")),
                    Email(message=_l("Dit is geen geldig e-mailadres.")), Length(max=320)])
    token = PasswordField(_l("API-token"), filters=[_compact], validators=[Length(max=256)])
    domain = StringField(_l("Nmbrs-omgeving (optioneel)"), filters=[_strip],
                         validators=[Length(max=200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.token_stored = bool((kwargs.get("data") or {}).get("token_stored"))

    def validate_token(self, field) -> None:
        if not field.data:
            if self.token_stored:
                return
            raise ValidationError(_l("Vul het API-token in dat je in Nmbrs hebt gekopieerd."))
        if len(field.data) < 16:
            raise ValidationError(_l("Dit token is te kort. Kopieer het hele API-token uit Nmbrs."))

    def validate_domain(self, field) -> None:
        try:
            field.data = normalise_domain(field.data)
        except DomainError:
            raise ValidationError(_l("Vul alleen de naam van je omgeving in, bijvoorbeeld "
                                     "'bakkerij' als je Nmbrs opent via bakkerij.nmbrs.nl.")) from None


def rejection_error(error: LoginRejected) -> StepError:
    """What Nmbrs refused, at the field that is likely wrong; a wrong username or token marks
    both, because Nmbrs does not say which of the two it did not recognise."""
    if error.problem is LoginProblem.BAD_CREDENTIALS:
        return StepError(
            _("Nmbrs herkent deze combinatie van e-mailadres en API-token niet, en zegt niet welke "
              "van de twee niet klopt. Kopieer het token opnieuw uit Nmbrs."), field="token",
            also={"username": _("Controleer ook dit e-mailadres: het moet horen bij de login "
                                "waarvan je het API-token kopieerde.")})
    return StepError(_rejection_message(error), field=error.field)


def _rejection_message(error: LoginRejected) -> str:
    """What is wrong with the domain or the environment, in the client's words."""
    if error.problem is LoginProblem.DOMAIN_MISMATCH:
        return _("Deze login hoort bij de omgeving %(expected)s. Laat dit veld leeg of vul "
                 "%(domain)s in.", expected=domain_host(error.expected_domain),
                 domain=error.expected_domain)
    if error.problem is LoginProblem.DOMAIN_NEEDED:
        return _("We konden je Nmbrs-omgeving niet automatisch vinden. Vul de naam van je "
                 "omgeving in, bijvoorbeeld 'bakkerij' uit bakkerij.nmbrs.nl.")
    return _("Deze Nmbrs-omgeving heeft geen geldig abonnement. Neem contact op met je "
             "Nmbrs-beheerder.")


class CredentialsStep(Step):
    name = "credentials"
    title = _l("Inloggegevens")
    template = "onboarding/credentials.html"
    roles = NMBRS_PART
    offers_help = True
    form_class = CredentialsForm

    def applies(self, onboarding: Onboarding) -> bool:
        return credential_step_for(onboarding) == self.name

    def is_complete(self, onboarding: Onboarding) -> bool:
        return onboarding.answers.login is not None and has_token(onboarding)

    def initial(self, onboarding: Onboarding) -> dict:
        stored = stored_token_credentials(onboarding)
        if stored is None:
            return {}
        return {"username": stored.username, "domain": stored.domain, "token_stored": True}

    def context(self, onboarding: Onboarding) -> dict:
        return {"services": rights_by_service(profile_for(onboarding)),
                "user_template": NMBRS_USER_TEMPLATE, "token_stored": has_token(onboarding)}

    def save(self, onboarding: Onboarding, form: CredentialsForm) -> None:
        token = form.token.data or stored_token_credentials(onboarding).token
        try:
            login = check_login(form.username.data, token, form.domain.data)
        except LoginRejected as error:
            raise rejection_error(error) from None
        store_token_credentials(onboarding, username=form.username.data,
                                token=form.token.data, domain=login.domain)
        # Check every right in the background: the next page shows it happening.
        start_validation(onboarding)
