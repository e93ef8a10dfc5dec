"""Step "done": what was set up, what happens next, and that the browser may be closed.

A finished client can still ask to change which companies are connected: the done page (and
the page a finished invite link opens) carries that request (``wizard.change_requests``).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from wizard.change_requests import MAX_MESSAGE, open_change_request
from wizard.connection.summary import connection_summary
from wizard.models import Onboarding, OnboardingStatus
from wizard.steps.base import Step


class ChangeRequestForm(FlaskForm):
    """What the client wants changed, in their own words."""

    message = TextAreaField(
        _l("Wat wil je wijzigen?"), filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[DataRequired(message=_l("Schrijf kort welke bedrijven je wilt toevoegen of weghalen.")),
                    Length(max=MAX_MESSAGE, message=_l("Schrijf het in hoogstens %(max)d tekens."))])


def change_request_context(onboarding: Onboarding, form: ChangeRequestForm | None = None) -> dict:
    """What the change-request block needs: the connection's open request, or an empty form."""
    return {"open_request": open_change_request(onboarding),
            "change_form": form or ChangeRequestForm(formdata=None)}


class DoneStep(Step):
    name = "done"
    title = _l("Klaar")
    template = "onboarding/done.html"

    def is_complete(self, onboarding: Onboarding) -> bool:
        return onboarding.status is OnboardingStatus.COMPLETED

    def context(self, onboarding: Onboarding) -> dict:
        context = {"summary": connection_summary(onboarding)}
        if onboarding.status is OnboardingStatus.COMPLETED:
            context.update(change_request_context(onboarding))
        return context
