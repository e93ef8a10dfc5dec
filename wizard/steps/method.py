"""Step "method": "Inloggen met Nmbrs" (recommended) or an API token (until SOAP ends)."""
from __future__ import annotations

from flask_babel import format_date, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.validators import InputRequired, ValidationError

from wizard.connection.registry import available_methods, choose_method, chosen_method
from wizard.models import JourneyKind, Onboarding
from wizard.nmbrs import SOAP_END_OF_SUPPORT
from wizard.steps.base import NMBRS_PART, Step


class MethodForm(FlaskForm):
    """The template renders one radio button per available method."""

    method = RadioField(_l("Hoe wil je Nmbrs koppelen?"), choices=[], validate_choice=False,
                        validators=[InputRequired(message=_l("Kies hoe je Nmbrs wilt koppelen."))])

    def validate_method(self, field) -> None:
        if field.data not in available_methods():
            raise ValidationError(_l("Kies een van de manieren uit de lijst."))


class MethodStep(Step):
    name = "method"
    title = _l("Koppelmethode")
    template = "onboarding/method.html"
    roles = NMBRS_PART
    form_class = MethodForm

    def applies(self, onboarding: Onboarding) -> bool:
        return onboarding.kind is not JourneyKind.SWITCH_TO_CONSENT  # that one is consent by design

    def is_complete(self, onboarding: Onboarding) -> bool:
        return chosen_method(onboarding) is not None

    def initial(self, onboarding: Onboarding) -> dict:
        return {"method": chosen_method(onboarding) or available_methods()[0]}

    def context(self, onboarding: Onboarding) -> dict:
        return {"available_methods": available_methods(),
                "sunset": format_date(SOAP_END_OF_SUPPORT, "d MMMM y")}

    def save(self, onboarding: Onboarding, form: MethodForm) -> None:
        choose_method(onboarding, form.method.data)
