"""Rate-limit settings: production defaults, the test suite's own, loud on nonsense; proxies."""
from __future__ import annotations

import pytest

from tests.conftest import TEST_SECRET
from tests.limits.conftest import lowered
from wizard import create_app
from wizard.config import (RATE_LIMIT_SETTINGS, SETTINGS, TESTING_RATE_LIMIT, ConfigurationError,
                           load_config)
from wizard.rate_limits import RULES

DEFAULTS = {setting.name: setting.default for setting in SETTINGS}


def test_every_rule_has_a_documented_setting():
    assert {rule.setting for rule in RULES} == set(RATE_LIMIT_SETTINGS)
    assert set(RATE_LIMIT_SETTINGS) | {"RATELIMIT_STORAGE_URI"} <= set(DEFAULTS)


def test_development_has_the_production_defaults(tmp_path):
    config = load_config({"ENV": "development", "INSTANCE_PATH": str(tmp_path)})
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    for name in RATE_LIMIT_SETTINGS:
        assert config[name] == DEFAULTS[name]
    assert config["RATELIMIT_CREDENTIALS_PER_ONBOARDING"] == "5/minute;20/day"


def test_testing_stays_out_of_the_suites_way_unless_told(tmp_path, monkeypatch):
    monkeypatch.setenv("WIZARD_RATELIMIT_API_PER_KEY", "7/minute")
    config = load_config({"ENV": "testing", "INSTANCE_PATH": str(tmp_path)})
    assert config["RATELIMIT_API_PER_KEY"] == "7/minute"
    assert config["RATELIMIT_INVITE_OPEN_PER_IP"] == TESTING_RATE_LIMIT


@pytest.mark.parametrize("value", ["lots", "5 per fortnight", "-1/minute", "5/minute;;x"])
def test_nonsense_limits_are_refused_by_name(tmp_path, monkeypatch, value):
    monkeypatch.setenv("WIZARD_RATELIMIT_CREDENTIALS_PER_IP", value)
    with pytest.raises(ConfigurationError, match="WIZARD_RATELIMIT_CREDENTIALS_PER_IP"):
        load_config({"ENV": "development", "INSTANCE_PATH": str(tmp_path)})


def test_unusable_storage_is_named_without_its_password(app_config):
    with pytest.raises(ConfigurationError, match="WIZARD_RATELIMIT_STORAGE_URI") as refused:
        create_app({**app_config, "RATELIMIT_STORAGE_URI": "mongo://user:s3cret-pw@db.internal/x"})
    assert "s3cret-pw" not in str(refused.value)


def test_negative_proxy_hops_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("WIZARD_PROXY_HOPS", "-1")
    with pytest.raises(ConfigurationError, match="WIZARD_PROXY_HOPS"):
        load_config({"ENV": "development", "INSTANCE_PATH": str(tmp_path)})


def from_proxy(client, forwarded_for: str):
    return client.get("/i/not-a-real-token", headers={"X-Forwarded-For": forwarded_for},
                      environ_base={"REMOTE_ADDR": "10.0.0.2"})


@lowered(RATELIMIT_INVITE_OPEN_PER_IP="1/minute", PROXY_HOPS=1)
def test_behind_one_proxy_each_client_counts_alone(client):
    assert from_proxy(client, "198.51.100.10").status_code == 400
    assert from_proxy(client, "198.51.100.10").status_code == 429
    # Whatever a client puts in front, the proxy's own entry (the last) is who counts.
    assert from_proxy(client, "203.0.113.9, 198.51.100.10").status_code == 429
    assert from_proxy(client, "198.51.100.11").status_code == 400


@lowered(RATELIMIT_INVITE_OPEN_PER_IP="1/minute")
def test_without_proxies_a_forged_header_does_not_escape(client):
    assert from_proxy(client, "198.51.100.10").status_code == 400
    assert from_proxy(client, "198.51.100.11").status_code == 429


@lowered(RATELIMIT_INVITE_OPEN_PER_IP="1/minute")
def test_ipv6_clients_count_per_64(client):
    def from_address(address):
        return client.get("/i/not-a-real-token", environ_base={"REMOTE_ADDR": address})

    assert from_address("2001:db8:1:2::1").status_code == 400
    assert from_address("2001:db8:1:2:ffff::9").status_code == 429  # same /64
    assert from_address("2001:db8:1:3::1").status_code == 400


def test_the_app_refuses_nothing_with_the_test_defaults(app, client):
    """The suite's own configuration (TESTING_RATE_LIMIT) leaves room for hundreds of requests."""
    assert app.config["SECRET_KEY"] == TEST_SECRET
    assert {client.get("/i/not-a-real-token").status_code for _ in range(200)} == {400}
