"""Error pages in the client's language, JSON for machine endpoints; never a bare 500."""
from __future__ import annotations

import traceback

from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError

from wizard.extensions import db

JSON_PREFIXES = ("/api/", "/healthz", "/readyz")


def _wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES)


def _render(status: int, name: str):
    if _wants_json():
        return jsonify(error=name, status=status), status
    return render_template("errors/http.html", status=status), status


def describe_database_error(error: DBAPIError) -> str:
    """A database error without the values in it: its kind, SQLSTATE, constraint and statement."""
    diag = getattr(error.orig, "diag", None)
    parts = [type(error).__name__, type(error.orig).__name__]
    for name in ("sqlstate", "constraint_name", "table_name", "column_name"):
        value = getattr(diag, name, None) or (getattr(error.orig, name, None) if name == "sqlstate" else None)
        if value:
            parts.append(f"{name}={value}")
    statement = " ".join((error.statement or "").split())[:300]
    return " ".join(parts) + (f" in: {statement}" if statement else "")


def register_errorhandlers(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, "csrf")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return _render(error.code or 500, error.name)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        if isinstance(error, DBAPIError):
            # The driver's message can quote the values it refused (PostgreSQL's DETAIL lines):
            # log what failed and where, not the data.
            app.logger.error("unhandled error: %s\n%s", describe_database_error(error),
                             "".join(traceback.format_tb(error.__traceback__)))
        else:
            app.logger.exception("unhandled error")
        return _render(InternalServerError.code, "internal")
