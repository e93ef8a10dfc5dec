"""Support's forms; each validates itself and is tested without HTTP."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, IntegerField, PasswordField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, EqualTo, InputRequired, Length, NumberRange, ValidationError

from wizard.lifecycle import LANGUAGES
from wizard.models import ApiScope, SupportRole
from wizard.nmbrs import available_profiles
from wizard.staff.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


def _strip(value):
    return " ".join(value.split()) if isinstance(value, str) else value


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mailadres"), filters=[_strip],
                       validators=[InputRequired(message=_l("Vul je e-mailadres in.")), Length(max=320)])
    password = PasswordField(_l("Wachtwoord"),
                             validators=[InputRequired(message=_l("Vul je wachtwoord in.")),
                                         Length(max=MAX_PASSWORD_LENGTH)])
    next = HiddenField()


LANGUAGE_NAMES = {"nl": _l("Nederlands"), "en": _l("Engels")}


class InviteForm(FlaskForm):
    """What the CLI's ``invite create`` asks, for the same ``create_invite``."""

    organisation = StringField(_l("Organisatie"), filters=[_strip],
                               validators=[InputRequired(message=_l("Vul de naam van de organisatie in.")),
                                           Length(max=200)])
    contact_name = StringField(_l("Naam contactpersoon (optioneel)"), filters=[_strip],
                               validators=[Length(max=200)])
    contact_email = EmailField(_l("E-mailadres contactpersoon"), filters=[_strip],
                               validators=[InputRequired(message=_l("Vul het e-mailadres in.")),
                                           Email(message=_l("Dit is geen geldig e-mailadres.")),
                                           Length(max=320)])
    language = RadioField(_l("Taal van de e-mail en de wizard"), default="nl",
                          choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES])
    profile = SelectField(_l("Rechtenprofiel"), default="payroll")
    expires_days = IntegerField(_l("Geldig (dagen)"),
                                validators=[InputRequired(message=_l("Vul een aantal dagen in.")),
                                            NumberRange(min=1, max=90, message=_l(
                                                "Kies tussen 1 en 90 dagen."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.profile.choices = [SelectChoice(name, name) for name in available_profiles()]


class AccountForm(FlaskForm):
    email = EmailField(_l("E-mailadres"), filters=[_strip],
                       validators=[InputRequired(message=_l("Vul het e-mailadres in.")),
                                   Email(message=_l("Dit is geen geldig e-mailadres.")), Length(max=320)])
    role = RadioField(_l("Rol"), default=SupportRole.AGENT.value,
                      choices=[SelectChoice(SupportRole.AGENT.value, _l("Medewerker: onboardings bekijken en helpen")),
                               SelectChoice(SupportRole.ADMIN.value, _l("Beheerder: ook accounts en API-sleutels"))])


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Huidig wachtwoord"),
                            validators=[InputRequired(message=_l("Vul je huidige wachtwoord in."))])
    new = PasswordField(_l("Nieuw wachtwoord"), validators=[
        InputRequired(message=_l("Vul een nieuw wachtwoord in.")),
        Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
               message=_l("Kies minstens %(min)d tekens.", min=MIN_PASSWORD_LENGTH))])
    confirm = PasswordField(_l("Nieuw wachtwoord nog een keer"), validators=[
        EqualTo("new", message=_l("De twee wachtwoorden zijn niet gelijk."))])

    def validate_new(self, field) -> None:
        if field.data and field.data == self.current.data:
            raise ValidationError(_l("Kies een ander wachtwoord dan je huidige."))


class ApiKeyForm(FlaskForm):
    name = StringField(_l("Naam (waar de sleutel voor is)"), filters=[_strip],
                       validators=[InputRequired(message=_l("Geef de sleutel een naam.")), Length(max=100)])
    scope = RadioField(_l("Rechten"), default=ApiScope.READ.value,
                       choices=[SelectChoice(ApiScope.READ.value, _l("Lezen")),
                                SelectChoice(ApiScope.WRITE.value, _l("Lezen en schrijven (uitnodigen, "
                                                                      "opnieuw sturen, intrekken, herkoppelen)"))])


class RemindersForm(FlaskForm):
    enabled = HiddenField()
