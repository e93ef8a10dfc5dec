"""The client's Nmbrs API credentials: normalised, checked, and kept only in the vault."""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from wizard.extensions import db
from wizard.models import Actor, Credential, Onboarding, record_event

TOKEN_METHOD = "token"
NMBRS_HOST_SUFFIXES = (".nmbrs.nl", ".nmbrs-sandbox.nl", ".nmbrs.com")
_DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# Steps whose answers depend on which login was entered; new credentials reopen them.
DEPENDENT_STEPS = ("validation", "entities")


class DomainError(ValueError):
    """The text entered as Nmbrs domain cannot be one."""


def normalise_domain(text: str | None) -> str:
    """Turn 'acme', 'acme.nmbrs.nl' or 'https://acme.nmbrs.nl/...' into 'acme' ('' when empty)."""
    value = (text or "").strip().lower()
    if not value:
        return ""
    if "://" in value:
        value = urlsplit(value).hostname or ""
    value = value.split("/", 1)[0]
    for suffix in NMBRS_HOST_SUFFIXES:
        if value.endswith(suffix):
            value = value[: -len(suffix)]
            break
    if not _DOMAIN.match(value):
        raise DomainError(text)
    return value


def domain_host(domain: str) -> str:
    """How the client knows their environment: the host name in their browser."""
    return f"{domain}.nmbrs.nl" if domain else ""


@dataclass(frozen=True)
class TokenCredentials:
    """Plain values read from the vault; ``repr`` never shows the token."""

    username: str
    token: str
    domain: str

    def __repr__(self) -> str:
        return f"TokenCredentials(username={self.username!r}, domain={self.domain!r})"


def store_token_credentials(onboarding: Onboarding, *, username: str, token: str | None,
                            domain: str) -> None:
    """Save the login encrypted; an empty ``token`` keeps the stored one. Reopens later steps."""
    credential = onboarding.credential
    if not token:
        if credential is None or not (credential.secret or {}).get("token"):
            raise ValueError("a token is required when none is stored")
        token = credential.secret["token"]
    secret = {"username": username, "token": token, "domain": domain}
    if credential is None:
        credential = Credential(onboarding=onboarding, method=TOKEN_METHOD)
        db.session.add(credential)
    changed = credential.secret != secret
    credential.method = TOKEN_METHOD
    credential.secret = secret
    credential.purged_at = None
    onboarding.answers.record("credentials", username=username, domain=domain)
    if changed:
        onboarding.answers.forget(*DEPENDENT_STEPS)
    record_event(onboarding, Actor.CLIENT, "credentials.stored", method=TOKEN_METHOD,
                 username=username, domain=domain, replaced=changed)


def set_discovered_domain(onboarding: Onboarding, domain: str) -> None:
    """Remember the domain Nmbrs told us, in the vault copy and the (non-secret) answer."""
    credential = onboarding.credential
    credential.secret = {**credential.secret, "domain": domain}
    onboarding.answers.update("credentials", domain=domain)
    record_event(onboarding, Actor.SYSTEM, "credentials.domain_discovered", domain=domain)


def stored_token_credentials(onboarding: Onboarding) -> TokenCredentials | None:
    """The usable token login of this onboarding, or None when there is none (or it was purged)."""
    credential = onboarding.credential
    if credential is None or credential.method != TOKEN_METHOD or not credential.secret:
        return None
    secret = credential.secret
    return TokenCredentials(secret["username"], secret["token"], secret.get("domain") or "")


def has_token(onboarding: Onboarding) -> bool:
    """True when a token is stored (the form may then leave the token field empty)."""
    return stored_token_credentials(onboarding) is not None
