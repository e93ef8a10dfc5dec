"""The WSGI apps gunicorn serves beside the wizard, built from ``BENCH_*`` variables.

``sandbox_app()``: the Nmbrs sandbox (SOAP, identity server, REST) with the run's latency and
jitter, and the bench's OAuth client registered for the wizard's https callback.
``receiver_app()``: the reference sync backend with the run's webhook secret and key.
``bare_app()``: the baseline, a Flask + Jinja + SQLite page as large as a wizard page.
Each keeps its state in memory, so the sandbox and the receiver run as one gunicorn worker.
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from flask import Flask, abort, render_template

#: The bench's OAuth client at the sandbox (public bench values, never a real secret).
BENCH_CLIENT_ID = "wizard-bench"
BENCH_CLIENT_SECRET = "bench*client$secret+not/for%production"
BARE_ROWS = 1000


def sandbox_app() -> Flask:
    """The sandbox as Nmbrs: every SOAP call ``BENCH_NMBRS_LATENCY`` ± ``BENCH_NMBRS_JITTER`` s."""
    from wizard.sandbox import make_sandbox_app

    app = make_sandbox_app(latency=float(os.environ["BENCH_NMBRS_LATENCY"]),
                           jitter=float(os.environ["BENCH_NMBRS_JITTER"]))
    app.extensions["nmbrs_sandbox"].identity.register_client(
        BENCH_CLIENT_ID, BENCH_CLIENT_SECRET, [os.environ["BENCH_REDIRECT_URI"]],
        name="Onboarding wizard (bench)", require_pkce=True)
    return app


def receiver_app() -> Flask:
    """The reference receiver; what it accepted is listed at ``/webhooks/onboarding/received``."""
    from wizard.sandbox.receiver import create_receiver_app

    return create_receiver_app(webhook_secret=os.environ["BENCH_WEBHOOK_SECRET"],
                               private_key_pem=Path(os.environ["BENCH_RECEIVER_KEY"]).read_text(),
                               echo=lambda line: None)


def seed_bare_database(path: Path) -> None:
    """The baseline's table: as many rows as the bench has onboardings, give or take."""
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE IF NOT EXISTS onboarding (id INTEGER PRIMARY KEY, "
                           "organisation TEXT NOT NULL, step TEXT NOT NULL)")
        connection.executemany("INSERT OR REPLACE INTO onboarding VALUES (?, ?, ?)",
                               [(n, f"Organisatie {n:04d} B.V.", "package")
                                for n in range(1, BARE_ROWS + 1)])


def bare_app() -> Flask:
    """One page: read a row from SQLite, render a Jinja template of ``BENCH_BARE_BYTES``."""
    app = Flask(__name__, template_folder=str(Path(__file__).parent / "templates"))
    database = os.environ["BENCH_BARE_DATABASE"]
    size = int(os.environ["BENCH_BARE_BYTES"])
    with app.app_context():  # pad once, so each request renders the template once
        bare = render_template("bare.html", row=(BARE_ROWS, f"Organisatie {BARE_ROWS:04d} B.V.",
                                                 "package"), filler="")
    filler = "x" * max(0, size - len(bare))

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.get("/page/<int:number>")
    def page(number: int):
        with sqlite3.connect(database) as connection:
            row = connection.execute("SELECT id, organisation, step FROM onboarding WHERE id = ?",
                                     (number,)).fetchone()
        if row is None:
            abort(404)
        return render_template("bare.html", row=row, filler=filler)

    return app
