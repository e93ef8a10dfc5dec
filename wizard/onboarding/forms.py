"""The client wizard's forms outside the step list (each step module holds its own form)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length

from wizard.invites.devices import normalise_code


def _strip(value):
    return " ".join(value.split()) if isinstance(value, str) else value


class DelegationForm(FlaskForm):
    """Whom to send the Nmbrs part to, and in which language ("Stuur dit naar mijn Nmbrs-beheerder")."""

    email = EmailField(_l("E-mailadres van je Nmbrs-beheerder"), filters=[_strip], validators=[
        InputRequired(message=_l("Vul het e-mailadres van je Nmbrs-beheerder in.")),
        Email(message=_l("Dit is geen geldig e-mailadres.")), Length(max=320)])
    name = StringField(_l("Naam van je Nmbrs-beheerder (optioneel)"), filters=[_strip],
                       validators=[Length(max=200)])
    language = RadioField(_l("Taal van de e-mail en de pagina's"), default="nl",
                          choices=[SelectChoice("nl", "Nederlands"), SelectChoice("en", "English")])


class DeviceCodeForm(FlaskForm):
    """The one-time code a second browser types; checked against the database by the service."""

    code = StringField(_l("Code uit de e-mail"),
                       validators=[InputRequired(message=_l("Vul de code uit de e-mail in."))])

    def validate_code(self, field) -> None:
        if normalise_code(field.data) is None:
            raise ValidationError(_l("Een code bestaat uit 6 cijfers, bijvoorbeeld 123456."))
