"""Step "validation": check every API right the profile needs and show how to fix what is missing."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _, lazy_gettext as _l

from wizard.connection.advice import fix_for, failure_text, purpose_text, service_label
from wizard.connection.credentials import domain_host, stored_token_credentials
from wizard.connection.nmbrs_access import profile_for
from wizard.connection.validation import (NoCredentials, latest_run, latest_run_with_results,
                                          run_validation, validation_passed)
from wizard.models import Onboarding, ValidationRun
from wizard.steps.base import Step, StepError


@dataclass(frozen=True)
class CheckRow:
    """One operation as the checklist shows it."""

    operation: str
    required: bool
    status: str
    purpose: str
    fix: str | None
    ms: int | None


@dataclass(frozen=True)
class ServiceResult:
    label: str
    failed: list[CheckRow]
    passed: list[CheckRow]


def checklist(run: ValidationRun, purposes: dict) -> list[ServiceResult]:
    """A run's operations grouped by service, failures first within each service."""
    groups: dict[str, ServiceResult] = {}
    for op in run.operations:
        group = groups.setdefault(op["service"], ServiceResult(service_label(op["service"]), [], []))
        row = CheckRow(op["operation"], op["required"], op["status"],
                       purpose_text(purposes.get((op["service"], op["operation"]))),
                       None if op["status"] == "ok" else fix_for(op), op.get("ms"))
        (group.passed if op["status"] == "ok" else group.failed).append(row)
    for group in groups.values():
        group.failed.sort(key=lambda row: not row.required)
    return list(groups.values())


class ValidationStep(Step):
    name = "validation"
    title = _l("Controle")
    template = "onboarding/validation.html"
    actions = ("check",)

    def is_complete(self, onboarding: Onboarding) -> bool:
        return validation_passed(onboarding)

    def perform(self, action: str, onboarding: Onboarding) -> None:
        try:
            run_validation(onboarding)
        except NoCredentials:
            raise StepError(_("Vul eerst je inloggegevens in.")) from None

    def save(self, onboarding: Onboarding, form) -> None:
        if not validation_passed(onboarding):
            raise StepError(_("Nog niet alle verplichte rechten staan aan. Pas ze aan in Nmbrs "
                              "en klik op Opnieuw controleren."))

    def context(self, onboarding: Onboarding) -> dict:
        profile = profile_for(onboarding)
        purposes = {(op.service, op.operation): op.purpose for op in profile.operations}
        credentials = stored_token_credentials(onboarding)
        latest = latest_run(onboarding)
        shown = latest_run_with_results(onboarding)
        attempt_failed = latest is not None and not latest.authenticated
        return {
            "environment": domain_host(credentials.domain) if credentials else "",
            "username": credentials.username if credentials else "",
            "rights_count": len(profile.operations),
            "latest": latest,
            "shown": shown,
            "results": checklist(shown, purposes) if shown else [],
            "attempt_failed": attempt_failed,
            "attempt_failure": failure_text(latest.failure) if attempt_failed else "",
            "bad_credentials": attempt_failed and latest.failure == "bad_credentials",
            "passed": validation_passed(onboarding),
            "missing_required": [op["operation"] for op in shown.failed if op["required"]] if shown else [],
        }
