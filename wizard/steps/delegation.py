"""The steps around handing the Nmbrs part to the client's Nmbrs administrator.

The contact sees "Nmbrs-beheerder" once they sent it (waiting, with "send again" and "do it
myself"), complete when the administrator's check passed. The administrator walks their own
short flow: "Welkom" (who asks what, and the preparation guide), the Nmbrs part itself (the
steps with ``NMBRS_PART``), and "Klaar" (back to the contact). See ``wizard.delegation``.
"""
from __future__ import annotations

from flask_babel import format_time, gettext as _, lazy_gettext as _l

from wizard.connection.consent.scopes import requested_scopes
from wizard.connection.profile import profile_for
from wizard.connection.registry import available_methods
from wizard.connection.token.advice import NMBRS_USER_TEMPLATE
from wizard.connection.token.guide import rights_by_service
from wizard.connection.validation import latest_run_with_results, validation_passed
from wizard.delegation import (STEP, DelegationLimitReached, DelegationRefused,
                               current_delegation, finish_delegation, resend_delegation,
                               revoke_delegation, start_delegated_part)
from wizard.models import DelegationState, Onboarding, signatory_name
from wizard.steps.base import NMBRS_ADMIN_ONLY, Step, StepError


def limit_message(error: DelegationLimitReached) -> str:
    """The hourly limit, in the contact's words."""
    return _("Je hebt het afgelopen uur al een paar keer een e-mail naar een Nmbrs-beheerder "
             "gestuurd. Probeer het na %(time)s opnieuw.", time=format_time(error.retry_at, "HH:mm"))


class DelegationStep(Step):
    """The contact's view of the delegated Nmbrs part."""

    name = STEP
    title = _l("Nmbrs-beheerder")
    template = "onboarding/delegation.html"
    actions = ("resend", "revoke")

    def applies(self, onboarding: Onboarding) -> bool:
        return current_delegation(onboarding) is not None

    def is_complete(self, onboarding: Onboarding) -> bool:
        delegation = current_delegation(onboarding)
        return delegation is not None and delegation.state is DelegationState.FINISHED

    def context(self, onboarding: Onboarding) -> dict:
        run = latest_run_with_results(onboarding)
        return {"delegation": current_delegation(onboarding),
                "missing_now": [c["name"] for c in run.failed if c["required"]] if run else []}

    def perform(self, action: str, onboarding: Onboarding) -> None:
        try:
            if action == "resend":
                resend_delegation(onboarding)
            else:
                revoke_delegation(onboarding)
        except DelegationLimitReached as error:
            raise StepError(limit_message(error)) from None
        except DelegationRefused:
            raise StepError(_("Dit kan nu niet meer: je Nmbrs-beheerder is al klaar.")) from None


class BriefingStep(Step):
    """The administrator's first page: who asks what, and what to prepare in Nmbrs."""

    name = "briefing"
    title = _l("Welkom")
    template = "onboarding/briefing.html"
    roles = NMBRS_ADMIN_ONLY

    def is_complete(self, onboarding: Onboarding) -> bool:
        delegation = current_delegation(onboarding)
        return delegation is not None and delegation.started_at is not None

    def context(self, onboarding: Onboarding) -> dict:
        profile = profile_for(onboarding)
        return {"requester": signatory_name(onboarding), "available_methods": available_methods(),
                "services": rights_by_service(profile), "user_template": NMBRS_USER_TEMPLATE,
                "scopes": [scope for scope in requested_scopes(profile) if scope.required]}

    def save(self, onboarding: Onboarding, form) -> None:
        try:
            start_delegated_part(onboarding)
        except DelegationRefused:
            raise StepError(_("Deze link werkt niet meer.")) from None


class HandbackStep(Step):
    """The administrator's last page: the Nmbrs part is done, the contact takes over."""

    name = "handback"
    title = _l("Klaar")
    template = "onboarding/handback.html"
    roles = NMBRS_ADMIN_ONLY

    def is_complete(self, onboarding: Onboarding) -> bool:
        delegation = current_delegation(onboarding)
        return delegation is not None and delegation.state is DelegationState.FINISHED

    def context(self, onboarding: Onboarding) -> dict:
        return {"requester": signatory_name(onboarding), "passed": validation_passed(onboarding)}

    def save(self, onboarding: Onboarding, form) -> None:
        if finish_delegation(onboarding) is None and not self.is_complete(onboarding):
            raise StepError(_("Nog niet alle verplichte rechten staan aan."))
