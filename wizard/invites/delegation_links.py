"""The Nmbrs administrator's link: made, and made anew for each email attempt.

Kept apart from ``wizard.delegation`` (which sends mail) so that the mail kinds can make a
fresh link for a retried email without importing the service that sends it.
"""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from wizard.models import Delegation, Onboarding
from wizard.tokens import DELEGATION_SALT, serializer
from wizard.urls import absolute_url


def nonce_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


# Every step-machine question asks whether the delegation step applies, several times a
# page; the answer is remembered in the session until anything could have changed it.
_MEMO = "current_delegation"


def current_delegation(onboarding: Onboarding) -> Delegation | None:
    """The newest delegation that was not taken back (open, finished, or expired unfinished)."""
    if onboarding.id is None:
        return None  # not stored yet (the step machine is asked while it is being flushed)
    session = object_session(onboarding)
    memo = session.info.setdefault(_MEMO, {}) if session is not None else {}
    if onboarding.id not in memo:
        memo[onboarding.id] = onboarding.delegations.filter(
            Delegation.revoked_at.is_(None)).order_by(Delegation.id.desc()).first()
    return memo[onboarding.id]


def _forget_current_delegations(session: Session, *_) -> None:
    session.info.pop(_MEMO, None)


# Forgotten when a delegation is added or taken back, and whenever the session writes,
# commits or rolls back (another request may have changed it meanwhile).
for _name in ("transient_to_pending", "after_flush", "after_commit", "after_rollback",
              "after_soft_rollback"):
    event.listen(Session, _name, _forget_current_delegations)


@event.listens_for(Delegation.revoked_at, "set")
def _revoked(delegation: Delegation, *_) -> None:
    session = object_session(delegation)
    if session is not None:
        _forget_current_delegations(session)


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
