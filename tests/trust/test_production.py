"""Production refuses weak keys and plain-http URLs, naming each; its session cookie is locked down."""
from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest
from cryptography.fernet import Fernet

from wizard import create_app
from wizard.config import ConfigurationError, load_config
from wizard.extensions import db
from wizard.handoff.keys import generate_key_pair, new_webhook_secret

GOOD_KEY = "k3y-" + "A1b2C3d4" * 5


@pytest.fixture(scope="module")
def backend_public_key() -> str:
    return generate_key_pair(2048)[1]


@pytest.fixture
def production(monkeypatch, tmp_path, backend_public_key):
    """A complete, valid production environment; ``production(NAME=value)`` changes one part."""
    valid = {
        "ENV": "production", "SECRET_KEYS": GOOD_KEY, "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": f"sqlite:///{tmp_path}/prod.sqlite3", "PUBLIC_URL": "https://onboarding.example.nl",
        "MAIL_BACKEND": "file", "MAIL_FROM": "Onboarding <noreply@example.nl>",
        "INSTANCE_PATH": str(tmp_path / "instance"), "SYNC_URL": "https://sync.example.nl/hook",
        "SYNC_WEBHOOK_SECRET": new_webhook_secret(), "SYNC_PUBLIC_KEY": backend_public_key,
    }

    def configure(**changes):
        for name, value in {**valid, **changes}.items():
            monkeypatch.setenv("WIZARD_" + name, value)

    return configure


def refusal() -> str:
    with pytest.raises(ConfigurationError) as caught:
        load_config()
    return str(caught.value)


def test_the_valid_production_configuration_starts(production):
    production()
    config = load_config()
    assert config["PUBLIC_URL"] == "https://onboarding.example.nl"


@pytest.mark.parametrize("name", [
    "PUBLIC_URL", "SYNC_URL", "NMBRS_SOAP_URL", "NMBRS_IDENTITY_URL", "NMBRS_OAUTH_AUTHORIZE_URL",
    "NMBRS_OAUTH_TOKEN_URL", "NMBRS_OAUTH_REVOCATION_URL", "NMBRS_OAUTH_REDIRECT_URI", "NMBRS_REST_URL",
])
@pytest.mark.parametrize("value", ["http://service.example.nl/path", "https://", "service.example.nl",
                                   "ftp://service.example.nl"])
def test_every_url_must_be_https(production, name, value):
    production(**{name: value})
    message = refusal()
    assert f"WIZARD_{name} must be an https:// URL" in message


def test_every_problem_is_named_at_once(production):
    production(PUBLIC_URL="http://onboarding.example.nl", SYNC_URL="http://sync.example.nl/hook",
               NMBRS_REST_URL="http://api.example.nl", SECRET_KEYS="short-secret")
    message = refusal()
    for name in ("WIZARD_PUBLIC_URL", "WIZARD_SYNC_URL", "WIZARD_NMBRS_REST_URL", "WIZARD_SECRET_KEYS"):
        assert name in message
    assert "short-secret" not in message


@pytest.mark.parametrize("keys, complaint", [
    ("too-short-0123456789", "key 1 is shorter than 32"),
    (f"{GOOD_KEY},old-but-short", "key 2 is shorter than 32"),
    ("with a space " + "x" * 40, "key 1 holds spaces or control characters"),
    ("tab\t" + "x" * 40, "key 1 holds spaces or control characters"),
])
def test_weak_or_malformed_secret_keys_are_refused(production, keys, complaint):
    production(SECRET_KEYS=keys)
    message = refusal()
    assert f"WIZARD_SECRET_KEYS {complaint}" in message
    assert keys.split(",")[-1] not in message


@pytest.mark.parametrize("name, value, complaint", [
    ("ENCRYPTION_KEYS", "c2hvcnQ=", "Fernet"),
    ("ENCRYPTION_KEYS", Fernet.generate_key().decode()[:-4], "Fernet"),
    ("SYNC_WEBHOOK_SECRET", "whsec_" + base64.b64encode(b"x" * 16).decode(), "too short"),
    ("SYNC_WEBHOOK_SECRET", new_webhook_secret() + ",whsec_bm90IGJhc2U2NA==", "too short"),
    ("SYNC_WEBHOOK_SECRET", new_webhook_secret() + ",plain", "whsec_"),
])
def test_malformed_encryption_keys_and_webhook_secrets_are_refused(production, name, value, complaint):
    production(**{name: value})
    message = refusal()
    assert f"WIZARD_{name}" in message and complaint in message
    assert value.split(",")[-1] not in message


def set_cookies(app, path: str = "/language/en") -> dict[str, str]:
    """The Set-Cookie headers of one response, by cookie name."""
    client = app.test_client()
    response = client.get(path, base_url="https://onboarding.example.nl")
    return {value.split("=", 1)[0]: value for name, value in response.headers.items()
            if name == "Set-Cookie"}


def test_production_session_cookie_is_host_only_secure_and_short_lived(production):
    production()
    app = create_app()
    with app.app_context():
        db.create_all()
        from wizard.invites import issue_invite_link
        from wizard.lifecycle import create_onboarding

        onboarding = create_onboarding(organisation="Org", contact_email="a@b.example")
        link = issue_invite_link(onboarding)
        db.session.commit()
        before = datetime.now(timezone.utc)
        cookies = set_cookies(app, link.replace("https://onboarding.example.nl", ""))
        db.session.remove()
    assert set(cookies) == {"__Host-session", "__Host-device"}
    # The session lives hours; the browser stays recognised (a random device id) for longer.
    for name, lifetime in (("__Host-session", timedelta(hours=8)),
                           ("__Host-device", timedelta(days=60))):
        attributes = [part.strip() for part in cookies[name].split(";")]
        assert {"Secure", "HttpOnly", "SameSite=Lax", "Path=/"} <= set(attributes)
        assert not any(a.lower().startswith("domain=") for a in attributes)
        expires = parsedate_to_datetime(next(a for a in attributes if a.startswith("Expires="))[8:])
        assert lifetime - timedelta(hours=1) < expires - before <= lifetime + timedelta(minutes=1)


def test_the_session_lifetime_is_configurable(app_config):
    app = create_app({**app_config, "SESSION_LIFETIME_HOURS": 2})
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=2)
    assert app.config["SESSION_COOKIE_NAME"] == "session"  # plain http outside production


@pytest.mark.parametrize("name, value", [("SESSION_LIFETIME_HOURS", "0"), ("SESSION_LIFETIME_HOURS", "-1"),
                                         ("PERSONAL_DATA_RETENTION_DAYS", "-30"),
                                         ("FAILED_HANDOFF_RETENTION_DAYS", "nan")])
def test_periods_must_be_positive(monkeypatch, tmp_path, name, value):
    monkeypatch.setenv("WIZARD_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("WIZARD_" + name, value)
    with pytest.raises(ConfigurationError, match="WIZARD_" + name):
        load_config()
