"""Validation runs: probe every API right the onboarding's profile needs, and keep the result.

A run never raises for Nmbrs faults: what could not be checked is stored as such,
so the client sees what worked, what did not and how to fix it, and support sees
the same history later.
"""
from __future__ import annotations

import time

from wizard.connection.credentials import (DomainError, normalise_domain, set_discovered_domain,
                                           stored_token_credentials)
from wizard.connection.entities import store_snapshot
from wizard.connection.nmbrs_access import client, connector_credentials, probe_workers, profile_for
from wizard.extensions import db
from wizard.models import Actor, Onboarding, ValidationRun, record_event
from wizard.models.base import utcnow
from wizard.nmbrs import FaultKind, probe_permissions


#: Run failures that say nothing about the login: an earlier verdict stands.
INCONCLUSIVE = {FaultKind.TIMEOUT, FaultKind.UNREACHABLE, FaultKind.MALFORMED_RESPONSE,
                FaultKind.UNKNOWN, FaultKind.LOGIN_SECURITY}


class NoCredentials(Exception):
    """There is nothing to validate: the client has not entered (or we purged) a login."""


def run_validation(onboarding: Onboarding) -> ValidationRun:
    """Probe the stored login against the profile, store the run and its verdict."""
    credentials = stored_token_credentials(onboarding)
    if credentials is None:
        raise NoCredentials()
    started_at, started = utcnow(), time.monotonic()
    profile = profile_for(onboarding)
    report = probe_permissions(connector_credentials(credentials), profile,
                               client=client(), workers=probe_workers())
    if report.domain and not credentials.domain:
        try:
            set_discovered_domain(onboarding, normalise_domain(report.domain))
        except DomainError:
            pass  # an odd answer from Nmbrs; the run itself still counts
    operations = [{
        "service": check.service, "operation": check.operation, "required": check.required,
        "status": _value(check.status), "code": check.code,
        "kind": _value(check.kind), "ms": round(check.ms),
    } for check in report.operations]
    run = ValidationRun(
        onboarding=onboarding, started_at=started_at, profile=profile.name, username=credentials.username,
        domain=report.domain or credentials.domain or None, authenticated=report.authenticated,
        failure=_value(report.failure), required_ok=bool(report.authenticated and report.required_ok),
        checked=len(operations), ok_count=sum(op["status"] == "ok" for op in operations),
        operations=operations, duration_ms=int((time.monotonic() - started) * 1000))
    db.session.add(run)
    db.session.flush()
    if report.authenticated and (report.companies or report.debtors):
        store_snapshot(onboarding, report.debtors, report.companies, source="validation")

    if not report.authenticated and report.failure in INCONCLUSIVE:
        pass  # Nmbrs could not be asked: the previous verdict (if any) stands
    elif run.required_ok:
        onboarding.answers.record("validation", run_id=run.id, required_ok=True, checked=run.checked,
                                  ok=run.ok_count, optional_failed=run.optional_failed)
    else:
        onboarding.answers.forget("validation", "entities")
    record_event(onboarding, Actor.CLIENT, "validation.run", run_id=run.id,
                 required_ok=run.required_ok, checked=run.checked, ok=run.ok_count,
                 failed=[op["operation"] for op in run.failed], failure=run.failure)
    return run


def _value(member) -> str | None:
    """Enum members (or plain strings) as their stored string value."""
    if member is None:
        return None
    return getattr(member, "value", member)


def latest_run(onboarding: Onboarding) -> ValidationRun | None:
    """The newest run for the credentials as they are stored now (older logins do not count)."""
    credential = onboarding.credential
    if credential is None:
        return None
    query = (db.select(ValidationRun).filter_by(onboarding_id=onboarding.id)
             .filter(ValidationRun.started_at >= credential_changed_at(onboarding))
             .order_by(ValidationRun.id.desc()).limit(1))
    return db.session.execute(query).scalar_one_or_none()


def latest_run_with_results(onboarding: Onboarding) -> ValidationRun | None:
    """The newest run for the current login that got as far as checking operations."""
    credential = onboarding.credential
    if credential is None:
        return None
    query = (db.select(ValidationRun).filter_by(onboarding_id=onboarding.id, authenticated=True)
             .filter(ValidationRun.started_at >= credential_changed_at(onboarding))
             .order_by(ValidationRun.id.desc()).limit(1))
    return db.session.execute(query).scalar_one_or_none()


def credential_changed_at(onboarding: Onboarding):
    """When the client last entered credentials (the answer's timestamp)."""
    return onboarding.answers.given_at("credentials")


def validation_passed(onboarding: Onboarding) -> bool:
    """The stored verdict: the last run for the current login had every required right."""
    answer = onboarding.answers.validation
    return bool(answer and answer.required_ok)
