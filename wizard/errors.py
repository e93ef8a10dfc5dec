"""Error pages in the client's language, JSON for machine endpoints; never a bare 500."""
from __future__ import annotations

import traceback

from flask import current_app, jsonify, render_template, request, session
from flask_babel import force_locale
from flask_wtf.csrf import CSRFError
from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from wizard.api.errors import HTTP_CODES, error_response, http_error_response
from wizard.extensions import db

JSON_PREFIXES = ("/api/", "/healthz", "/readyz")
API_PREFIX = "/api/"
#: The database is unreachable (restarting, failing over, pool exhausted): worth trying again soon.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)
RETRY_AFTER_SECONDS = 30


def _wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES)


def _render(status: int, name: str):
    if request.path.startswith(API_PREFIX):
        return error_response(status, HTTP_CODES.get(status, "http_error"), name)
    if _wants_json():
        return jsonify(error=name, status=status), status
    return render_template("errors/http.html", status=status), status


def _language_without_database() -> str:
    """The client's language from the session (chosen, or its onboarding's), else the default."""
    from wizard.client_session import LANGUAGE_HINT_KEY, cached_onboarding
    from wizard.i18n import LANGUAGE_KEY

    supported = current_app.config["BABEL_SUPPORTED_LOCALES"]
    cached = cached_onboarding()
    # Only what is already loaded: touching an expired attribute would ask the database again.
    loaded = inspect(cached).dict.get("language") if cached is not None else None
    for language in (session.get(LANGUAGE_KEY), loaded, session.get(LANGUAGE_HINT_KEY)):
        if language in supported:
            return language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


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
        if request.path.startswith(API_PREFIX):
            return http_error_response(error)
        return _render(error.code or 500, error.name)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(error: Exception):
        language = _language_without_database()
        try:
            db.session.rollback()
        except DATABASE_UNAVAILABLE:
            db.session().invalidate()
        reason = describe_database_error(error) if isinstance(error, DBAPIError) else type(error).__name__
        app.logger.warning("database unavailable: %s", reason)
        if _wants_json():
            response = jsonify(error="database_unavailable", status=503)
        else:
            # The locale selector reads the onboarding from the database: decide without it.
            with force_locale(language):
                response = app.make_response(render_template("errors/http.html", status=503))
        response.status_code = ServiceUnavailable.code
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

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
