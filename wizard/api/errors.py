"""API errors: one JSON shape, stable codes, never an HTML page or a bare 500."""
from __future__ import annotations

from flask import jsonify
from werkzeug.exceptions import HTTPException

#: Codes for the HTTP errors the framework raises (routing, body size, ...).
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
              415: "unsupported_media_type", 422: "validation_failed", 429: "too_many_requests",
              500: "internal_error"}


class ApiError(Exception):
    """Raise in a view to answer ``status`` with ``{"error": {"code", "message", ...}}``."""

    def __init__(self, status: int, code: str, message: str, **extra):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def error_response(status: int, code: str, message: str, **extra):
    response = jsonify(error={"code": code, "message": message, **extra})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="wizard-api"'
    return response


def http_error_response(error: HTTPException):
    """The JSON answer for a framework HTTP error on an API path."""
    status = error.code or 500
    return error_response(status, HTTP_CODES.get(status, "http_error"), error.description or error.name)
