"""Security headers on every kind of response, and pages that need no inline code."""
import re
from pathlib import Path

import pytest

from wizard import create_app

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=\"|\son[a-z]+=", re.I)


def assert_secured(response, cacheable=False):
    headers = response.headers
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy
    assert "base-uri 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"
    assert (headers.get("Cache-Control") == "no-store") is not cacheable


@pytest.mark.parametrize("path, status", [
    ("/", 200), ("/healthz", 200), ("/onboarding/terms", 401), ("/i/garbage", 400),
    ("/no/such/page", 404), ("/support/login", 200), ("/api/v1/onboardings", 401),
    ("/oauth/nmbrs/callback?code=x&state=y", 400),
])
def test_every_answer_carries_the_headers(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert_secured(response)


def test_static_files_carry_them_too_but_may_be_cached(client):
    assert_secured(client.get("/static/css/app.css"), cacheable=True)


def test_an_unexpected_error_page_carries_them(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = client.get("/boom")
    assert response.status_code == 500
    assert_secured(response)


def test_forms_may_lead_to_nmbrs_identity_server_and_nowhere_else(client, app):
    app.config["NMBRS_OAUTH_AUTHORIZE_URL"] = "https://identityservice.nmbrs.com/connect/authorize"
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "form-action 'self' https://identityservice.nmbrs.com;" in policy + ";"


def test_production_asks_browsers_to_stay_on_https(app_config):
    app = create_app({**app_config, "ENV": "production", "MAIL_BACKEND": "file",
                      "MAIL_FROM": "Onboarding <onboarding@example.nl>",
                      "PUBLIC_URL": "https://onboarding.example.nl",
                      "SYNC_URL": "https://sync.example.nl/webhooks/onboarding"})
    response = app.test_client().get("/healthz", base_url="https://onboarding.example.nl")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.parametrize("template", sorted(str(p.relative_to(TEMPLATES))
                                            for p in TEMPLATES.rglob("*.html")
                                            if p.parts[-2] != "email"))
def test_pages_have_no_inline_script_style_or_handler(template):
    """The policy forbids inline code, so no page may need any (emails are not pages)."""
    assert not INLINE.search((TEMPLATES / template).read_text())
