"""Pages outside the wizard: the landing page and health endpoints."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text

from wizard.extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    return render_template("main/index.html")


@bp.get("/healthz")
def healthz():
    """The process is alive and serving."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """The database answers; load balancers route traffic only when it does."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means not ready
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable",
                       error=type(exc).__name__), 503
    return jsonify(status="ok", database="ok")
