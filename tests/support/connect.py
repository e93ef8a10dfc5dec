"""Helpers that walk the wizard up to the Nmbrs steps, as a client would (HTTP, no browser)."""
from __future__ import annotations

import time
from urllib.parse import urlsplit

from wizard.extensions import db
from wizard.terms import current_terms_version


def through_package(wizard) -> None:
    """Accept the terms and choose Nmbrs."""
    response = wizard.submit("terms", version=current_terms_version(), accept="y",
                             name="Sanne de Vries")
    assert response.status_code == 302
    assert wizard.submit("package", package="nmbrs").status_code == 302


def to_credentials(wizard) -> None:
    through_package(wizard)
    assert wizard.submit("method", method="token").status_code == 302


def wait_for_checks(wizard, timeout: float = 30.0) -> None:
    """Wait until no check runs for this browser's onboarding (they run in the background)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # The test client's requests share the test's session: forget what it read before,
        # the runner writes in a session of its own.
        db.session.expire_all()
        answer = wizard.client.get("/onboarding/validation/progress")
        if not (answer.is_json and answer.json.get("running")):
            db.session.expire_all()  # the runner wrote in a session of its own
            return
        time.sleep(0.05)
    raise AssertionError("the validation run did not finish")


def enter_login(wizard, credentials, domain: str = ""):
    """Submit the credentials form and wait for the check it starts."""
    response = wizard.submit("credentials", username=credentials.username,
                             token=credentials.token, domain=domain)
    wait_for_checks(wizard)
    return response


def run_check(wizard):
    """Press "Opnieuw controleren" and wait for the check to finish."""
    response = wizard.client.post("/onboarding/validation/check",
                                  data={"csrf_token": wizard.csrf_token("validation")})
    wait_for_checks(wizard)
    return response


def recheck_entities(wizard):
    return wizard.client.post("/onboarding/entities/recheck",
                              data={"csrf_token": wizard.csrf_token("entities")})


def reload(onboarding):
    db.session.refresh(onboarding)
    return onboarding


def use_sandbox(app, sandbox) -> None:
    """Point the app's SOAP, identity server and REST settings at a running sandbox."""
    base = sandbox.identity_url
    app.config.update({
        "NMBRS_SOAP_URL": sandbox.soap_url,
        "NMBRS_IDENTITY_URL": base,
        "NMBRS_OAUTH_AUTHORIZE_URL": f"{base}/connect/authorize",
        "NMBRS_OAUTH_TOKEN_URL": f"{base}/connect/token",
        "NMBRS_OAUTH_REVOCATION_URL": f"{base}/connect/revocation",
        "NMBRS_OAUTH_CLIENT_ID": sandbox.oauth_client.client_id,
        "NMBRS_OAUTH_CLIENT_SECRET": sandbox.oauth_client.client_secret,
        "NMBRS_REST_URL": sandbox.rest_url,
        "NMBRS_SUBSCRIPTION_KEY": sandbox.subscription_key,
    })


def to_consent(wizard):
    """Accept the terms, choose Nmbrs and "Inloggen met Nmbrs"."""
    through_package(wizard)
    assert wizard.submit("method", method="oauth").headers["Location"].endswith("/onboarding/consent")


def go_to_nmbrs(wizard) -> str:
    """Press "Inloggen bij Nmbrs": the authorization URL the browser is sent to."""
    response = wizard.submit("consent")
    assert response.status_code == 302, response.status_code
    return response.headers["Location"]


def come_back(wizard, callback_url: str):
    """Follow Nmbrs' redirect back to the wizard (only the path and query matter here), and
    wait for the check a new consent starts."""
    parts = urlsplit(callback_url)
    response = wizard.client.get(f"{parts.path}?{parts.query}")
    wait_for_checks(wizard)
    return response
