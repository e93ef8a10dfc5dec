"""Step "method": connect with an API token, or (once configured) by logging in with Nmbrs."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from wizard.connection.registry import available_methods, choose_method, chosen_method
from wizard.models import JourneyKind, Onboarding
from wizard.steps.base import Step


class MethodForm(FlaskForm):
    method = RadioField(
        _l("Hoe wil je Nmbrs koppelen?"),
        choices=[SelectChoice("token", _l("Met een API-token")),
                 SelectChoice("oauth", _l("Inloggen met Nmbrs"))],
        validators=[InputRequired(message=_l("Kies hoe je Nmbrs wilt koppelen."))])

    def validate_method(self, field) -> None:
        if field.data not in available_methods():
            raise ValidationError(_l("Inloggen met Nmbrs is nog niet beschikbaar. Kies API-token."))


class MethodStep(Step):
    name = "method"
    title = _l("Koppelmethode")
    template = "onboarding/method.html"
    form_class = MethodForm

    def applies(self, onboarding: Onboarding) -> bool:
        return onboarding.kind is not JourneyKind.SWITCH_TO_CONSENT  # that one is consent by design

    def initial(self, onboarding: Onboarding) -> dict:
        return {"method": chosen_method(onboarding) or available_methods()[0]}

    def context(self, onboarding: Onboarding) -> dict:
        return {"available_methods": available_methods(), "all_methods": ("token", "oauth")}

    def save(self, onboarding: Onboarding, form: MethodForm) -> None:
        choose_method(onboarding, form.method.data)
