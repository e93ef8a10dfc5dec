"""Step "consent": "Inloggen met Nmbrs". Explains what we will read, then sends the browser to
Nmbrs to log in and approve; the callback (``wizard.oauth``) brings it back with the tokens."""
from __future__ import annotations

from flask_babel import get_locale, lazy_gettext as _l

from wizard.connection.consent.authorization import authorization_url
from wizard.connection.consent.scopes import requested_scopes
from wizard.connection.profile import profile_for
from wizard.connection.registry import credential_step_for, method_named
from wizard.models import Actor, Onboarding, record_event
from wizard.steps.base import NMBRS_PART, ExternalRedirect, Step

OAUTH = "oauth"


class ConsentStep(Step):
    name = "consent"
    title = _l("Inloggen bij Nmbrs")
    template = "onboarding/consent.html"
    roles = NMBRS_PART
    offers_help = True

    def applies(self, onboarding: Onboarding) -> bool:
        return credential_step_for(onboarding) == self.name

    def is_complete(self, onboarding: Onboarding) -> bool:
        return (onboarding.answers.login is not None
                and method_named(OAUTH).has_credentials(onboarding))

    def context(self, onboarding: Onboarding) -> dict:
        scopes = requested_scopes(profile_for(onboarding))
        method = method_named(OAUTH)
        return {"required_scopes": [s for s in scopes if s.required],
                "optional_scopes": [s for s in scopes if not s.required],
                "connected": method.describe_login(onboarding) if self.is_complete(onboarding) else ""}

    def save(self, onboarding: Onboarding, form) -> ExternalRedirect:
        scopes = [scope for scope, _ in profile_for(onboarding).rest_scopes()]
        url = authorization_url(onboarding, scopes, language=str(get_locale()))
        record_event(onboarding, Actor.CLIENT, "consent.started", scopes=scopes)
        return ExternalRedirect(url)
