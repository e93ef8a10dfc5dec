"""Error pages in the client's language, JSON for machine endpoints; never a bare 500."""
from __future__ import annotations

from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from wizard.api.errors import HTTP_CODES, error_response, http_error_response
from wizard.extensions import db

JSON_PREFIXES = ("/api/", "/healthz", "/readyz")
API_PREFIX = "/api/"


def _wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES)


def _render(status: int, name: str):
    if request.path.startswith(API_PREFIX):
        return error_response(status, HTTP_CODES.get(status, "http_error"), name)
    if _wants_json():
        return jsonify(error=name, status=status), status
    return render_template("errors/http.html", status=status), status


def register_errorhandlers(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, "csrf")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if request.path.startswith(API_PREFIX):
            return http_error_response(error)
        return _render(error.code or 500, error.name)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error")
        return _render(InternalServerError.code, "internal")
