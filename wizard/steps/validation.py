"""Step "validation": check every right the profile needs and show how to fix what is missing."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _, lazy_gettext as _l

from wizard.connection.method import CheckStatus, ConnectionMethod
from wizard.connection.profile import profile_for
from wizard.connection.registry import credentials_method, method_named
from wizard.connection.validation import (NoCredentials, is_stale, latest_run,
                                          latest_run_with_results, start_validation,
                                          validation_passed)
from wizard.models import Onboarding, ValidationRun
from wizard.nmbrs import Profile
from wizard.steps.base import NMBRS_PART, Step, StepError


@dataclass(frozen=True)
class CheckRow:
    """One right as the checklist shows it."""

    name: str
    required: bool
    status: str
    purpose: str
    fix: str | None
    ms: int | None


@dataclass(frozen=True)
class CheckGroup:
    label: str
    failed: list[CheckRow]
    passed: list[CheckRow]


def checklist(run: ValidationRun, method: ConnectionMethod, profile: Profile) -> list[CheckGroup]:
    """A run's checks grouped as the method labels them, failures first (required before optional)."""
    groups: dict[str, CheckGroup] = {}
    for check in run.checks:
        explained = method.explain(check, profile)
        group = groups.setdefault(explained.group_label, CheckGroup(explained.group_label, [], []))
        row = CheckRow(check["name"], check["required"], check["status"], explained.purpose,
                       explained.fix, check.get("ms"))
        (group.passed if check["status"] == "ok" else group.failed).append(row)
    for group in groups.values():
        group.failed.sort(key=lambda row: not row.required)
    return list(groups.values())


#: Run failures that mean the credentials themselves were refused.
REFUSED_CREDENTIALS = ("bad_credentials", "consent_revoked")


class ValidationStep(Step):
    name = "validation"
    title = _l("Controle")
    template = "onboarding/validation.html"
    roles = NMBRS_PART
    offers_help = True
    actions = ("check",)

    def is_complete(self, onboarding: Onboarding) -> bool:
        return validation_passed(onboarding)

    def perform(self, action: str, onboarding: Onboarding) -> None:
        try:
            start_validation(onboarding)
        except NoCredentials:
            raise StepError(_("Vul eerst je inloggegevens in.")) from None

    def save(self, onboarding: Onboarding, form) -> None:
        if validation_passed(onboarding):
            return
        shown = latest_run_with_results(onboarding)
        if shown is not None and not _missing_required(shown) and _unchecked_required(shown):
            raise StepError(_("Nmbrs was niet bereikbaar, probeer het opnieuw: niet alle "
                              "verplichte rechten konden worden gecontroleerd. Klik op Opnieuw "
                              "controleren."))
        raise StepError(_("Nog niet alle verplichte rechten staan aan. Pas ze aan in Nmbrs "
                          "en klik op Opnieuw controleren."))

    def context(self, onboarding: Onboarding) -> dict:
        profile = profile_for(onboarding)
        method = credentials_method(onboarding)
        latest = latest_run(onboarding)
        interrupted = latest is not None and is_stale(latest)
        running = latest is not None and latest.running and not interrupted
        shown = latest_run_with_results(onboarding)
        explainer = method_named(shown.method) if shown else None
        attempt_failed = interrupted or (latest is not None and not latest.running
                                         and not latest.authenticated)
        return {
            "method": method,
            "login_description": method.describe_login(onboarding) if method else "",
            "rights_count": method.count_rights(profile) if method else 0,
            "latest": latest,
            "running": latest if running else None,
            "progress": (checklist(latest, method_named(latest.method), profile) if running
                         else []),
            "shown": shown,
            "results": checklist(shown, explainer, profile) if explainer else [],
            "attempt_failed": attempt_failed,
            "attempt_failure": (_("De controle is onderbroken. Klik op Opnieuw controleren.")
                                if interrupted else
                                method.failure_text(latest.failure) if attempt_failed else ""),
            # Credentials Nmbrs refused (not a Nmbrs that could not be asked): send them back.
            "bad_credentials": attempt_failed and latest.failure in REFUSED_CREDENTIALS,
            "passed": validation_passed(onboarding),
            # Only what Nmbrs refused goes on the list for the administrator; what could not be
            # checked is not a setting to change.
            "missing_required": _missing_required(shown) if shown else [],
            "unchecked_required": _unchecked_required(shown) if shown else [],
        }


def _missing_required(run: ValidationRun) -> list[str]:
    """Required rights Nmbrs said are off, or whose data the login may not see."""
    return [check["name"] for check in run.failed
            if check["required"] and check["status"] != CheckStatus.UNCHECKED.value]


def _unchecked_required(run: ValidationRun) -> list[str]:
    """Required rights that could not be checked (Nmbrs slow, down or unreadable)."""
    return [check["name"] for check in run.failed
            if check["required"] and check["status"] == CheckStatus.UNCHECKED.value]
