"""Step "validation": check every right the profile needs and show how to fix what is missing."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _, lazy_gettext as _l

from wizard.connection.method import ConnectionMethod
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
        if not validation_passed(onboarding):
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
            "missing_required": [c["name"] for c in shown.failed if c["required"]] if shown else [],
        }
