"""The "package" step: which payroll package does the organisation use?

Choosing a supported package (Nmbrs) completes the step. Choosing another is
not an error: the interest is recorded in the audit trail, the answer is kept
(so the page can say what happens next) and the client can pick again.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, ValidationError
from wtforms.validators import InputRequired

from wizard.models import Actor, JourneyKind, Onboarding, record_event
from wizard.steps.base import Step
from wizard.packages import CATALOG, payroll_package


class PackageForm(FlaskForm):
    """The chosen catalog id (the template renders one radio button per catalog entry)."""

    package = StringField(
        _l("Welk salarispakket gebruikt je organisatie?"),
        validators=[InputRequired(message=_l("Kies het salarispakket van je organisatie."))])

    def validate_package(self, field) -> None:
        if payroll_package(field.data) is None:
            raise ValidationError(_l("Kies een van de salarispakketten uit de lijst."))


def chosen_package_id(onboarding: Onboarding) -> str | None:
    answer = onboarding.answers.package
    return answer.package if answer else None


def choose_package(onboarding: Onboarding, package_id: str) -> None:
    """Store the client's choice; an unsupported one is recorded as interest (not committed)."""
    package = payroll_package(package_id)
    if package is None:
        raise ValueError(f"unknown payroll package {package_id!r}")
    onboarding.answers.record("package", package=package.id)
    if not package.supported:
        record_event(onboarding, Actor.CLIENT, "package.interest", package=package.id,
                     name=package.name)


class PackageStep(Step):
    name = "package"
    title = _l("Salarispakket")
    template = "onboarding/package.html"
    form_class = PackageForm

    def applies(self, onboarding: Onboarding) -> bool:
        return onboarding.kind is JourneyKind.NEW  # a re-connection keeps its package

    def is_complete(self, onboarding: Onboarding) -> bool:
        package = payroll_package(chosen_package_id(onboarding))
        return package is not None and package.supported

    def context(self, onboarding: Onboarding) -> dict:
        package = payroll_package(chosen_package_id(onboarding))
        return {"catalog": CATALOG,
                "unsupported": package if package and not package.supported else None}

    def initial(self, onboarding: Onboarding) -> dict:
        return {"package": chosen_package_id(onboarding)}

    def save(self, onboarding: Onboarding, form: PackageForm) -> None:
        choose_package(onboarding, form.package.data)
