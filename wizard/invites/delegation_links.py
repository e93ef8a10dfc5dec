"""The Nmbrs administrator's link: made, and made anew for each email attempt.

Kept apart from ``wizard.delegation`` (which sends mail) so that the mail kinds can make a
fresh link for a retried email without importing the service that sends it.
"""
from __future__ import annotations

import hashlib
import secrets

from wizard.models import Delegation, Onboarding
from wizard.tokens import DELEGATION_SALT, serializer
from wizard.urls import absolute_url


def nonce_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def current_delegation(onboarding: Onboarding) -> Delegation | None:
    """The newest delegation that was not taken back (open, finished, or expired unfinished)."""
    if onboarding.id is None:
        return None  # not stored yet (the step machine is asked while it is being flushed)
    return onboarding.delegations.filter(Delegation.revoked_at.is_(None)).order_by(
        Delegation.id.desc()).first()


def issue_delegation_link(delegation: Delegation) -> str:
    """A fresh absolute link for the administrator; any earlier one stops working (not committed)."""
    nonce = secrets.token_urlsafe(16)
    delegation.nonce_hash = nonce_hash(nonce)
    payload = {"d": delegation.public_id, "n": nonce, "x": int(delegation.expires_at.timestamp())}
    return absolute_url("onboarding.open_delegation_link",
                        token=serializer(DELEGATION_SALT).dumps(payload))


def delegation_link_values(onboarding: Onboarding) -> dict:
    """The link values an email to the administrator carries (made anew for every attempt)."""
    delegation = current_delegation(onboarding)
    return {"link": issue_delegation_link(delegation), "link_expires_at": delegation.expires_at}
