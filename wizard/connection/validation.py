"""Validation runs: check every right the onboarding's profile needs, and keep the result.

A check talks to Nmbrs for seconds, so no page waits for it: ``start_validation``
writes a run that is *running*, hands it to the app's background runner
(``wizard.connection.runner``) and returns at once. The runner asks the connection
method to check (``ConnectionMethod.probe``), writes each right's outcome into the run
as it arrives (the page shows "12 van 22 gecontroleerd" and the checklist filling in),
then stores the reachable debtors and companies and the verdict the wizard goes by.
A run never raises for provider faults: what could not be checked is stored as such.
When a run is stored, ``validation_finished`` is sent (``onboarding``, ``run``, ``actor``):
listeners act on the outcome (a delegation finishes, missing rights are emailed).
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from functools import partial

from blinker import Namespace
from flask import current_app
from sqlalchemy import update

from wizard.connection.entities import store_snapshot
from wizard.connection.method import (INCONCLUSIVE_FAILURES, Check, CheckReport, CheckStatus,
                                      NoCredentials)
from wizard.connection.profile import profile_for
from wizard.connection.registry import credentials_method
from wizard.connection.runner import validation_runner
from wizard.extensions import db
from wizard.models import Actor, Onboarding, ValidationRun, record_event
from wizard.models.base import utcnow

__all__ = ["NoCredentials", "latest_run", "latest_run_with_results", "run_validation",
           "start_validation", "validation_passed"]

log = logging.getLogger("wizard.validation")

#: A run still marked running after this long was cut off (its process stopped): it counts
#: as "could not be checked" and a new run may start.
STALE_AFTER = timedelta(minutes=3)
#: Sent after a run's outcome is committed, with ``onboarding``, ``run`` and ``actor``.
validation_finished = Namespace().signal("validation-finished")
#: Partial results are written at most this often while a run goes.
PROGRESS_INTERVAL = 0.25
INTERRUPTED = "interrupted"


def _new_run(onboarding: Onboarding) -> ValidationRun:
    method = credentials_method(onboarding)
    if method is None or not method.has_credentials(onboarding):
        raise NoCredentials()
    profile = profile_for(onboarding)
    run = ValidationRun(onboarding=onboarding, method=method.name, started_at=utcnow(),
                        profile=profile.name, total=method.count_rights(profile), checks=[])
    db.session.add(run)
    db.session.flush()
    return run


def start_validation(onboarding: Onboarding, actor: Actor = Actor.CLIENT) -> ValidationRun:
    """Begin checking the stored credentials in the background (commits); the running run.

    A run already going for the current credentials is returned instead of a second one.
    """
    current = latest_run(onboarding)
    if current is not None and current.running and not is_stale(current):
        return current
    run = _new_run(onboarding)
    started = record_event(onboarding, actor, "validation.started", run_id=run.id, method=run.method)
    db.session.commit()
    # As the client, or as their Nmbrs administrator: whoever started it.
    validation_runner().submit(partial(_execute_stored_run, actor=started.actor), run.id)
    return run


def _execute_stored_run(run_id: int, *, actor: Actor) -> None:
    """The background half of ``start_validation``: the run, unless it ended meanwhile."""
    run = db.session.get(ValidationRun, run_id)
    if run is not None and run.running:
        execute_run(run.onboarding, run, actor)


def run_validation(onboarding: Onboarding, actor: Actor = Actor.CLIENT) -> ValidationRun:
    """Check the stored credentials now, in this thread (CLI, tests); the finished run."""
    run = _new_run(onboarding)
    execute_run(onboarding, run, actor)
    return run


class _ProgressWriter:
    """Collects checks as they arrive (from any thread) and writes them into the run, at most
    every ``PROGRESS_INTERVAL`` seconds, in short transactions of their own.

    One thread writes at a time, outside the lock: while a write waits for the database (a
    busy SQLite under load), the run's other calls go on, their checks kept for the next write.
    """

    def __init__(self, run_id: int):
        self._engine = db.engine
        self._run_id = run_id
        self._checks: list[dict] = []
        self._lock = threading.Lock()
        self._written_at = 0.0
        self._writing = False

    def __call__(self, check: Check) -> None:
        with self._lock:
            self._checks.append(check.as_dict())
            if self._writing or time.monotonic() - self._written_at < PROGRESS_INTERVAL:
                return
            self._writing = True
            checks = list(self._checks)
        try:
            with self._engine.begin() as connection:
                connection.execute(
                    update(ValidationRun).where(ValidationRun.id == self._run_id,
                                                ValidationRun.finished_at.is_(None))
                    .values(checks=checks, checked=len(checks),
                            ok_count=sum(c["status"] == "ok" for c in checks)))
        except Exception:  # noqa: BLE001 - progress is a courtesy; the final write counts
            log.warning("could not write the progress of validation run %s", self._run_id)
        finally:
            with self._lock:
                self._writing = False
                self._written_at = time.monotonic()


def execute_run(onboarding: Onboarding, run: ValidationRun, actor: Actor = Actor.CLIENT) -> None:
    """Probe, then store the run's outcome, the reachable entities and the verdict (commits)."""
    method = credentials_method(onboarding)
    started = time.monotonic()
    profile = profile_for(onboarding)
    if method is None or not method.has_credentials(onboarding):
        report = CheckReport(authenticated=False, checks=[], failure=INTERRUPTED)
    else:
        try:
            report = method.probe(onboarding, profile, progress=_ProgressWriter(run.id))
        except Exception:
            log.exception("validation run %s failed unexpectedly", run.id)
            db.session.rollback()
            report = CheckReport(authenticated=False, checks=[], failure="unknown")
    _finish(onboarding, run, report, int((time.monotonic() - started) * 1000), actor)
    db.session.commit()
    validation_finished.send(current_app._get_current_object(), onboarding=onboarding, run=run,
                             actor=actor)


def _finish(onboarding: Onboarding, run: ValidationRun, report: CheckReport, duration_ms: int,
            actor: Actor) -> None:
    checks = [check.as_dict() for check in report.checks]
    run.username = report.identity
    run.domain = report.domain
    run.authenticated = report.authenticated
    run.failure = report.failure
    run.required_ok = report.required_ok
    run.checks = checks
    run.checked = len(checks)
    run.ok_count = sum(check["status"] == "ok" for check in checks)
    run.duration_ms = duration_ms
    run.finished_at = utcnow()
    if report.reach is not None:
        store_snapshot(onboarding, report.reach, source="validation")
    if (not report.authenticated and report.failure in INCONCLUSIVE_FAILURES | {INTERRUPTED}
            or _inconclusive(run)):
        pass  # the provider could not be asked: the previous verdict (if any) stands
    elif run.required_ok:
        onboarding.answers.record("validation", run_id=run.id, required_ok=True, checked=run.checked,
                                  ok=run.ok_count, optional_failed=run.optional_failed)
    else:
        onboarding.answers.forget("validation", "entities")
    record_event(onboarding, actor, "validation.run", run_id=run.id, method=run.method,
                 required_ok=run.required_ok, checked=run.checked, ok=run.ok_count,
                 failed=[check["name"] for check in run.failed], failure=run.failure)


def _inconclusive(run: ValidationRun) -> bool:
    """No required right is missing, but some could not be checked: this run proves nothing."""
    required = [check for check in run.failed if check["required"]]
    return bool(required) and all(check["status"] == CheckStatus.UNCHECKED.value
                                  for check in required)


def is_stale(run: ValidationRun) -> bool:
    """A run still marked running long after any run ends: its process stopped."""
    return run.running and utcnow() - run.started_at > STALE_AFTER


def _runs_for_current_credentials(onboarding: Onboarding):
    """Runs made since the client last gave credentials (older logins do not count)."""
    given_at = onboarding.answers.given_at("credentials")
    if onboarding.credential is None or given_at is None:
        return None
    return (db.select(ValidationRun).filter_by(onboarding_id=onboarding.id)
            .filter(ValidationRun.started_at >= given_at)
            .order_by(ValidationRun.id.desc()).limit(1))


def latest_run(onboarding: Onboarding) -> ValidationRun | None:
    """The newest run for the credentials as they are stored now (possibly still running)."""
    query = _runs_for_current_credentials(onboarding)
    return None if query is None else db.session.execute(query).scalar_one_or_none()


def latest_run_with_results(onboarding: Onboarding) -> ValidationRun | None:
    """The newest finished run for the current credentials that got as far as checking rights."""
    query = _runs_for_current_credentials(onboarding)
    if query is None:
        return None
    return db.session.execute(query.filter(ValidationRun.authenticated.is_(True),
                                           ValidationRun.finished_at.is_not(None))
                              ).scalar_one_or_none()


def validation_passed(onboarding: Onboarding) -> bool:
    """The stored verdict: the last run for the current credentials had every required right."""
    answer = onboarding.answers.validation
    return bool(answer and answer.required_ok)

