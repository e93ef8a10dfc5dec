"""Validation runs: check every right the onboarding's profile needs, and keep the result.

The connection method does the checking (``ConnectionMethod.probe``); this module
stores the run, the debtors and companies it found, and the verdict the wizard
goes by. A run never raises for provider faults: what could not be checked is
stored as such, so the client sees what worked, what did not and how to fix it,
and support sees the same history later.
"""
from __future__ import annotations

import time

from wizard.connection.entities import store_snapshot
from wizard.connection.method import INCONCLUSIVE_FAILURES, CheckStatus, NoCredentials
from wizard.connection.profile import profile_for
from wizard.connection.registry import credentials_method
from wizard.extensions import db
from wizard.models import Actor, Onboarding, ValidationRun, record_event
from wizard.models.base import utcnow

__all__ = ["NoCredentials", "latest_run", "latest_run_with_results", "run_validation",
           "validation_passed"]


def run_validation(onboarding: Onboarding, actor: Actor = Actor.CLIENT) -> ValidationRun:
    """Check the stored credentials against the profile; store the run and its verdict."""
    method = credentials_method(onboarding)
    if method is None or not method.has_credentials(onboarding):
        raise NoCredentials()
    started_at, started = utcnow(), time.monotonic()
    profile = profile_for(onboarding)
    report = method.probe(onboarding, profile)
    checks = [check.as_dict() for check in report.checks]
    run = ValidationRun(
        onboarding=onboarding, method=method.name, started_at=started_at, profile=profile.name,
        username=report.identity, domain=report.domain, authenticated=report.authenticated,
        failure=report.failure, required_ok=report.required_ok, checked=len(checks),
        ok_count=sum(check["status"] == "ok" for check in checks), checks=checks,
        duration_ms=int((time.monotonic() - started) * 1000))
    db.session.add(run)
    db.session.flush()
    if report.reach is not None:
        store_snapshot(onboarding, report.reach, source="validation")

    if not report.authenticated and report.failure in INCONCLUSIVE_FAILURES or _inconclusive(run):
        pass  # the provider could not be asked: the previous verdict (if any) stands
    elif run.required_ok:
        onboarding.answers.record("validation", run_id=run.id, required_ok=True, checked=run.checked,
                                  ok=run.ok_count, optional_failed=run.optional_failed)
    else:
        onboarding.answers.forget("validation", "entities")
    record_event(onboarding, actor, "validation.run", run_id=run.id, method=method.name,
                 required_ok=run.required_ok, checked=run.checked, ok=run.ok_count,
                 failed=[check["name"] for check in run.failed], failure=run.failure)
    return run


def _inconclusive(run: ValidationRun) -> bool:
    """No required right is missing, but some could not be checked: this run proves nothing."""
    required = [check for check in run.failed if check["required"]]
    return bool(required) and all(check["status"] == CheckStatus.UNCHECKED.value
                                  for check in required)


def _runs_for_current_credentials(onboarding: Onboarding):
    """Runs made since the client last gave credentials (older logins do not count)."""
    given_at = onboarding.answers.given_at("credentials")
    if onboarding.credential is None or given_at is None:
        return None
    return (db.select(ValidationRun).filter_by(onboarding_id=onboarding.id)
            .filter(ValidationRun.started_at >= given_at)
            .order_by(ValidationRun.id.desc()).limit(1))


def latest_run(onboarding: Onboarding) -> ValidationRun | None:
    """The newest run for the credentials as they are stored now."""
    query = _runs_for_current_credentials(onboarding)
    return None if query is None else db.session.execute(query).scalar_one_or_none()


def latest_run_with_results(onboarding: Onboarding) -> ValidationRun | None:
    """The newest run for the current credentials that got as far as checking rights."""
    query = _runs_for_current_credentials(onboarding)
    if query is None:
        return None
    return db.session.execute(query.filter_by(authenticated=True)).scalar_one_or_none()


def validation_passed(onboarding: Onboarding) -> bool:
    """The stored verdict: the last run for the current credentials had every required right."""
    answer = onboarding.answers.validation
    return bool(answer and answer.required_ok)
