"""Step "welcome back": why a live connection needs new credentials, and what stays the same.

Only re-connections walk it: a token client moving to "Inloggen met Nmbrs" before
Nmbrs ends SOAP support, or a connection that needs a new login.
"""
from __future__ import annotations

from flask_babel import format_date, lazy_gettext as _l

from wizard.connection.summary import connection_summary
from wizard.journeys import live_journey
from wizard.models import JourneyKind, Onboarding
from wizard.nmbrs import SOAP_END_OF_SUPPORT
from wizard.steps.base import Step


class WelcomeBackStep(Step):
    name = "welcome"
    title = _l("Welkom terug")
    template = "onboarding/welcome_back.html"

    def applies(self, onboarding: Onboarding) -> bool:
        return onboarding.kind is not JourneyKind.NEW

    def context(self, onboarding: Onboarding) -> dict:
        live = live_journey(onboarding)
        return {"switching": onboarding.kind is JourneyKind.SWITCH_TO_CONSENT,
                "sunset": format_date(SOAP_END_OF_SUPPORT, "d MMMM y"),
                "current": connection_summary(live) if live else None}
