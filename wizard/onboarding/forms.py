"""Forms of the client pages outside the steps."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, ValidationError
from wtforms.validators import InputRequired

from wizard.invites.devices import normalise_code


class DeviceCodeForm(FlaskForm):
    """The one-time code a second browser types; checked against the database by the service."""

    code = StringField(_l("Code uit de e-mail"),
                       validators=[InputRequired(message=_l("Vul de code uit de e-mail in."))])

    def validate_code(self, field) -> None:
        if normalise_code(field.data) is None:
            raise ValidationError(_l("Een code bestaat uit 6 cijfers, bijvoorbeeld 123456."))
