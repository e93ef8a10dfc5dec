"""Security headers on every response: pages, JSON, errors and static files alike.

The Content-Security-Policy allows only our own scripts and styles (no inline code
anywhere in our pages), no plugins, no framing, no <base> tricks, and forms that post
to us — or, after "Inloggen bij Nmbrs", redirect to Nmbrs' identity server (browsers
check ``form-action`` on redirects that follow a form). Everything but static files is
``no-store``: our pages carry personal data and one-time links.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

#: Static files may be cached; everything else is private.
CACHEABLE_ENDPOINTS = frozenset({"static"})


def _origin(url: str | None) -> str | None:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def content_security_policy() -> str:
    """The policy for this app's configuration."""
    identity = _origin(current_app.config.get("NMBRS_OAUTH_AUTHORIZE_URL"))
    form_targets = " ".join(filter(None, ("'self'", identity)))
    return "; ".join((
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        f"form-action {form_targets}",
    ))


def secure(response: Response) -> Response:
    """Add the headers (an earlier, more specific value of the same header wins)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
    headers.setdefault("Permissions-Policy",
                       "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        headers["Cache-Control"] = "no-store"
    if current_app.config["WIZARD_ENV"] == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_security_headers(app: Flask) -> None:
    app.after_request(secure)
