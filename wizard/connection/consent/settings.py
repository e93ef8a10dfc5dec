"""Our client at Nmbrs' identity server and REST API, from the app's configuration."""
from __future__ import annotations

import logging

from flask import current_app

from wizard.config import OAUTH_CALLBACK_PATH
from wizard.nmbrs_rest import NmbrsRestClient, rest_client
from wizard.nmbrs_rest.identity import IdentityServer

log = logging.getLogger("wizard.consent")


def missing_settings() -> list[str]:
    """The settings "Inloggen met Nmbrs" needs that are not configured (empty when it works)."""
    config = current_app.config
    return [f"WIZARD_{name}" for name in ("NMBRS_OAUTH_CLIENT_ID", "NMBRS_OAUTH_CLIENT_SECRET",
                                          "NMBRS_SUBSCRIPTION_KEY") if not config.get(name)]


def log_availability(app) -> None:
    """Say once, in the log and not to clients, why the consent path is not offered."""
    with app.app_context():
        missing = missing_settings()
    if missing:
        level = logging.WARNING if app.config["WIZARD_ENV"] == "production" else logging.INFO
        log.log(level, "\"Inloggen met Nmbrs\" is not offered: %s not set; clients see only "
                       "the API token", ", ".join(missing))


def identity_server() -> IdentityServer:
    config = current_app.config
    return IdentityServer(token_url=config["NMBRS_OAUTH_TOKEN_URL"],
                          revocation_url=config["NMBRS_OAUTH_REVOCATION_URL"],
                          client_id=config["NMBRS_OAUTH_CLIENT_ID"],
                          client_secret=config["NMBRS_OAUTH_CLIENT_SECRET"],
                          client_auth=config["NMBRS_OAUTH_CLIENT_AUTH"],
                          timeout=float(config["NMBRS_TIMEOUT"]))


def redirect_uri() -> str:
    """Where Nmbrs sends the browser back (fixed by config; registered with our client)."""
    config = current_app.config
    return config.get("NMBRS_OAUTH_REDIRECT_URI") or config["PUBLIC_URL"] + OAUTH_CALLBACK_PATH


def api() -> NmbrsRestClient:
    config = current_app.config
    return rest_client(config["NMBRS_REST_URL"], config["NMBRS_SUBSCRIPTION_KEY"],
                       timeout=float(config["NMBRS_TIMEOUT"]),
                       workers=int(config["NMBRS_PROBE_WORKERS"]))


def probe_workers() -> int:
    return int(current_app.config["NMBRS_PROBE_WORKERS"])
