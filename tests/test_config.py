"""Configuration: embedded defaults for newcomers, a loud refusal in production."""
import base64

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from wizard import create_app
from wizard.config import SETTINGS, ConfigurationError, load_config

NEW_KEY, OLD_KEY = "new-key-" + "n" * 32, "old-key-" + "o" * 32
PRODUCTION_REQUIRED = {
    "WIZARD_SECRET_KEYS", "WIZARD_ENCRYPTION_KEYS", "WIZARD_DATABASE_URL", "WIZARD_PUBLIC_URL",
    "WIZARD_MAIL_BACKEND", "WIZARD_MAIL_FROM",
}


def test_production_refuses_to_start_and_names_every_missing_variable(monkeypatch):
    monkeypatch.setenv("WIZARD_ENV", "production")
    with pytest.raises(ConfigurationError) as caught:
        create_app()
    message = str(caught.value)
    for name in PRODUCTION_REQUIRED:
        assert name in message


def test_production_names_only_what_is_missing(monkeypatch):
    monkeypatch.setenv("WIZARD_ENV", "production")
    monkeypatch.setenv("WIZARD_SECRET_KEYS", "k" * 40)
    monkeypatch.setenv("WIZARD_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    monkeypatch.setenv("WIZARD_DATABASE_URL", "sqlite://")
    monkeypatch.setenv("WIZARD_PUBLIC_URL", "https://onboarding.example.nl")
    monkeypatch.setenv("WIZARD_MAIL_FROM", "Onboarding <noreply@example.nl>")
    with pytest.raises(ConfigurationError) as caught:
        load_config()
    assert "WIZARD_MAIL_BACKEND" in str(caught.value)
    assert "WIZARD_SECRET_KEYS" not in str(caught.value)


def test_production_starts_with_everything_set_and_uses_real_nmbrs(monkeypatch, tmp_path):
    monkeypatch.setenv("WIZARD_ENV", "production")
    for setting in SETTINGS:
        if setting.required_in_production:
            monkeypatch.setenv("WIZARD_" + setting.name, setting.default or "x")
    monkeypatch.setenv("WIZARD_SECRET_KEYS", f"{NEW_KEY},{OLD_KEY}")
    monkeypatch.setenv("WIZARD_PUBLIC_URL", "https://onboarding.example.nl")
    monkeypatch.setenv("WIZARD_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    monkeypatch.setenv("WIZARD_DATABASE_URL", f"sqlite:///{tmp_path}/prod.db")
    monkeypatch.setenv("WIZARD_MAIL_BACKEND", "smtp")
    monkeypatch.setenv("WIZARD_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("WIZARD_SYNC_URL", "https://sync.example.nl/webhooks/onboarding")
    monkeypatch.setenv("WIZARD_SYNC_WEBHOOK_SECRET", "whsec_" + base64.b64encode(b"s" * 32).decode())
    public_pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key() \
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    monkeypatch.setenv("WIZARD_SYNC_PUBLIC_KEY", public_pem.decode())
    config = load_config()
    assert config["SECRET_KEY"] == NEW_KEY
    assert config["SECRET_KEYS"] == [NEW_KEY, OLD_KEY]
    assert config["NMBRS_SOAP_URL"] == "https://api.nmbrs.nl/soap/v3/"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert not any(tmp_path.iterdir())  # production never generates keys


def test_development_generates_keys_once_and_keeps_them(tmp_path):
    first = load_config({"ENV": "development", "INSTANCE_PATH": str(tmp_path)})
    second = load_config({"ENV": "development", "INSTANCE_PATH": str(tmp_path)})
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert first["ENCRYPTION_KEYS"] == second["ENCRYPTION_KEYS"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # owner-only
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'wizard.sqlite3'}"
    assert first["MAIL_BACKEND"] == "file"
    assert first["NMBRS_SOAP_URL"].startswith("http://127.0.0.1:")


@pytest.mark.parametrize("name, value, complaint", [
    ("WIZARD_ENV", "staging", "WIZARD_ENV"),
    ("WIZARD_ENCRYPTION_KEYS", "not-a-fernet-key", "Fernet"),
    ("WIZARD_MAIL_BACKEND", "carrier-pigeon", "WIZARD_MAIL_BACKEND"),
    ("WIZARD_SMTP_PORT", "five-eight-seven", "not a number"),
])
def test_bad_values_are_named(monkeypatch, tmp_path, name, value, complaint):
    monkeypatch.setenv("WIZARD_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=complaint):
        load_config()


def test_every_setting_is_documented_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for setting in SETTINGS:
        assert f"`WIZARD_{setting.name}`" in readme, setting.name


def test_explicit_overrides_win_over_the_environment(monkeypatch, tmp_path):
    """Sessions and invite links must sign with the same key: the one the caller passed in."""
    monkeypatch.setenv("WIZARD_SECRET_KEYS", "from-the-environment-" + "e" * 30)
    monkeypatch.setenv("WIZARD_INSTANCE_PATH", str(tmp_path / "env-instance"))
    monkeypatch.setenv("WIZARD_SYNC_URL", "http://127.0.0.1:1/from-env")
    passed = "passed-in-" + "p" * 40
    app = create_app({"ENV": "testing", "SECRET_KEYS": [passed],
                      "INSTANCE_PATH": str(tmp_path / "given"),
                      "SYNC_URL": "http://127.0.0.1:2/given",
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEYS"] == [passed]
    assert app.config["SECRET_KEY"] == passed
    assert app.config["INSTANCE_PATH"] == str((tmp_path / "given").resolve())
    assert app.config["SYNC_URL"] == "http://127.0.0.1:2/given"
