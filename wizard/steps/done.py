"""Step "done": what was set up, what happens next, and that the browser may be closed."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from wizard.connection.summary import connection_summary
from wizard.models import Onboarding, OnboardingStatus
from wizard.steps.base import Step


class DoneStep(Step):
    name = "done"
    title = _l("Klaar")
    template = "onboarding/done.html"

    def is_complete(self, onboarding: Onboarding) -> bool:
        return onboarding.status is OnboardingStatus.COMPLETED

    def context(self, onboarding: Onboarding) -> dict:
        return {"summary": connection_summary(onboarding)}
