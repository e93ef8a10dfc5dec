"""Helpers that walk the wizard up to the Nmbrs steps, as a client would (HTTP, no browser)."""
from __future__ import annotations

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


def enter_login(wizard, credentials, domain: str = ""):
    return wizard.submit("credentials", username=credentials.username,
                         token=credentials.token, domain=domain)


def run_check(wizard):
    return wizard.client.post("/onboarding/validation/check",
                              data={"csrf_token": wizard.csrf_token("validation")})


def recheck_entities(wizard):
    return wizard.client.post("/onboarding/entities/recheck",
                              data={"csrf_token": wizard.csrf_token("entities")})


def reload(onboarding):
    db.session.refresh(onboarding)
    return onboarding
