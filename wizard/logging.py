"""Structured logging: one line per event, each carrying the request id."""
from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import datetime, timezone

from flask import Flask, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdFilter(logging.Filter):
    """Stamp every record with the current request id (or '-' outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
#: Libraries that log whole requests or replies (SOAP envelopes with usernames and salaries, URLs
#: with codes) at DEBUG or INFO: they stay at WARNING whatever ``LOG_LEVEL`` says. werkzeug's
#: request lines would repeat invite tokens in the path; we log our own. Flask-Limiter's INFO line
#: per refusal repeats what ``wizard.rate_limits`` logs at WARNING.
QUIET_LOGGERS = ("zeep", "urllib3", "authlib", "werkzeug", "flask-limiter")


def configure_logging(app: Flask) -> None:
    """Send the app's and the library's logs through one handler on the root logger."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if app.config["LOG_FORMAT"] == "json"
                         else logging.Formatter(TEXT_FORMAT))
    handler.set_name("wizard")
    root = logging.getLogger()
    for existing in [h for h in root.handlers if h.get_name() == "wizard"]:
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)

    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex

    @app.after_request
    def log_request(response):
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "-")
        # The rule, not the path: paths can carry invite tokens.
        endpoint = request.url_rule.rule if request.url_rule else "<unmatched>"
        app.logger.info("%s %s -> %s", request.method, endpoint, response.status_code)
        return response
