"""Hand-off settings: strict in production, generated for the demo, checked on start."""
from __future__ import annotations

import os
import stat

import pytest

from wizard.config import ConfigurationError, load_config
from wizard.handoff.keys import generate_key_pair, new_webhook_secret
from wizard.handoff.payload import key_id, open_credentials, seal_credentials

PRODUCTION = {"WIZARD_ENV": "production", "WIZARD_SECRET_KEYS": "x" * 40,
              "WIZARD_ENCRYPTION_KEYS": "zS1kS3Vx2yO4wO1bE5_k9Zyq3cW8lXj1R8qX0v7m1yQ=",
              "WIZARD_DATABASE_URL": "sqlite://", "WIZARD_MAIL_BACKEND": "file",
              "WIZARD_PUBLIC_URL": "https://onboarding.example", "WIZARD_MAIL_FROM": "a@b.example"}


@pytest.fixture
def environment(monkeypatch, tmp_path):
    monkeypatch.setenv("WIZARD_INSTANCE_PATH", str(tmp_path / "instance"))

    def set_env(**values):
        for key, value in values.items():
            monkeypatch.setenv(key, value)

    return set_env


def test_production_names_each_missing_sync_setting(environment):
    environment(**PRODUCTION)
    with pytest.raises(ConfigurationError) as error:
        load_config()
    for name in ("WIZARD_SYNC_URL", "WIZARD_SYNC_WEBHOOK_SECRET", "WIZARD_SYNC_PUBLIC_KEY"):
        assert name in str(error.value)


def test_production_reads_the_public_key_from_a_file(environment, tmp_path):
    _, public = generate_key_pair(2048)
    key_file = tmp_path / "backend.pub.pem"
    key_file.write_text(public)
    environment(**PRODUCTION, WIZARD_SYNC_URL="https://sync.example/hook",
                WIZARD_SYNC_WEBHOOK_SECRET=new_webhook_secret(), WIZARD_SYNC_PUBLIC_KEY=str(key_file))
    config = load_config()
    assert key_id(config["SYNC_PUBLIC_KEY"]) == key_id(public)
    assert not (tmp_path / "instance" / "sync_receiver_key.pem").exists()


@pytest.mark.parametrize("name, value, message", [
    ("WIZARD_SYNC_WEBHOOK_SECRET", "plain-secret", "whsec_"),
    ("WIZARD_SYNC_PUBLIC_KEY", "/no/such/file.pem", "neither PEM text nor"),
    ("WIZARD_SYNC_PUBLIC_KEY", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "PEM"),
])
def test_unusable_values_stop_the_app_naming_the_setting(environment, name, value, message):
    environment(**{name: value})
    with pytest.raises(ConfigurationError, match=message) as error:
        load_config({"ENV": "testing"})
    assert value not in str(error.value)


def test_development_generates_a_demo_receiver_key_pair_and_secret(environment, tmp_path):
    config = load_config({"ENV": "development"})
    instance = tmp_path / "instance"
    private = instance / "sync_receiver_key.pem"
    assert config["SYNC_URL"] == "http://127.0.0.1:5002/webhooks/onboarding"
    assert config["SYNC_WEBHOOK_SECRET"].startswith("whsec_")
    assert stat.S_IMODE(os.stat(private).st_mode) == 0o600
    sealed = seal_credentials({"token": "t"}, config["SYNC_PUBLIC_KEY"])
    assert open_credentials(sealed, private.read_text()) == {"token": "t"}
    assert load_config({"ENV": "development"})["SYNC_WEBHOOK_SECRET"] == config["SYNC_WEBHOOK_SECRET"]
