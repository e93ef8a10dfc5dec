"""The app's background runner for validation runs: a small thread pool per process.

Web requests only start a run and return; the run's calls to Nmbrs happen here, each
in an app context of its own. The runner knows nothing of runs: ``start_validation`` hands
it the job (``wizard.connection.validation``), so the two never import each other. The pool is per process (gunicorn workers each have one)
and the page reads progress from the database, so any process can show any run. A
process that stops mid-run leaves the run "running"; after ``STALE_AFTER`` it counts as
interrupted and a new run may start.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable

from flask import Flask, current_app

from wizard.extensions import db

log = logging.getLogger("wizard.validation")
_made = threading.Lock()


class ValidationRunner:
    """Runs validation runs of one app in ``workers`` background threads."""

    def __init__(self, app: Flask, workers: int):
        self.app = app
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers),
                                        thread_name_prefix="validation")

    def submit(self, job: Callable[[int], None], run_id: int) -> Future:
        """Do ``job(run_id)`` in a background thread, in an app context of its own."""
        return self._pool.submit(self._work, job, run_id)

    def _work(self, job: Callable[[int], None], run_id: int) -> None:
        with self.app.app_context():
            try:
                job(run_id)
            except Exception:  # noqa: BLE001 - a background thread has nobody to raise to
                log.exception("validation run %s could not be completed", run_id)
            finally:
                db.session.remove()

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking runs; with ``wait`` let the ones going finish (tests, shutdown)."""
        self._pool.shutdown(wait=wait)


def validation_runner() -> ValidationRunner:
    """The current app's runner, made on first use."""
    app = current_app._get_current_object()
    with _made:
        runner = app.extensions.get("validation_runner")
        if runner is None:
            runner = app.extensions["validation_runner"] = ValidationRunner(
                app, int(app.config["VALIDATION_WORKERS"]))
    return runner
