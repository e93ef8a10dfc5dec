"""Invite links: a signed token that opens one onboarding until it expires or is replaced.

The token is made by itsdangerous (``URLSafeTimedSerializer``, its own salt,
every configured secret key verifies, the newest signs) and carries the
onboarding's public id, a random nonce and the link's expiry. The database
keeps only the nonce's sha256: enough to verify and to revoke a link, useless
to anyone who reads the database. Issuing a new link replaces the hash, so the
previous link stops working; revoking clears it.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from enum import Enum

from itsdangerous import BadData

from wizard.extensions import db
from wizard.models import Actor, Onboarding, OnboardingStatus, record_event
from wizard.models.base import utcnow
from wizard.tokens import INVITE_SALT, serializer
from wizard.urls import absolute_url

# Tokens longer than this are not ours; refuse them before any parsing.
MAX_TOKEN_LENGTH = 400
#: Opening the link again within this time is the same visit: nothing is written.
VISIT_GAP = timedelta(minutes=30)


class InviteProblem(str, Enum):
    """Why a link does not open an onboarding (each has its own page)."""

    MALFORMED = "malformed"   # not a token at all, or the signature does not match
    EXPIRED = "expired"       # past the link's expiry, or the onboarding expired
    UNKNOWN = "unknown"       # validly signed, but no such onboarding
    REPLACED = "replaced"     # a newer link was sent; this one no longer works
    REVOKED = "revoked"       # support withdrew the invite
    COMPLETED = "completed"   # the onboarding is done; nothing to open


class InviteError(Exception):
    """A link was refused; ``problem`` says why, ``onboarding`` is set when it is known."""

    def __init__(self, problem: InviteProblem, onboarding: Onboarding | None = None, *,
                 current_link: bool = False):
        super().__init__(problem.value)
        self.problem = problem
        self.onboarding = onboarding
        #: The link is the newest one sent (a finished client may still ask for a change with it).
        self.current_link = current_link

    @property
    def language(self) -> str | None:
        """The language of whom the link was for, when the link names them."""
        return self.onboarding.language if self.onboarding else None


def _hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def issue_invite_link(onboarding: Onboarding) -> str:
    """Make a fresh absolute invite URL valid until ``onboarding.expires_at``.

    Any earlier link for this onboarding stops working. The change is added to
    the session; the caller commits.
    """
    nonce = secrets.token_urlsafe(16)
    onboarding.invite_nonce_hash = _hash(nonce)
    payload = {"o": onboarding.public_id, "n": nonce, "x": int(onboarding.expires_at.timestamp())}
    return absolute_url("onboarding.open_invite", token=serializer(INVITE_SALT).dumps(payload))


def _payload(token: str) -> dict:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InviteError(InviteProblem.MALFORMED)
    try:
        payload = serializer(INVITE_SALT).loads(token)
    except BadData:
        raise InviteError(InviteProblem.MALFORMED) from None
    if not (isinstance(payload, dict) and isinstance(payload.get("o"), str)
            and isinstance(payload.get("n"), str) and isinstance(payload.get("x"), int)):
        raise InviteError(InviteProblem.MALFORMED)
    return payload


def redeem_invite(token: str, *, now: datetime | None = None) -> Onboarding:
    """Return the onboarding a token opens, or raise ``InviteError`` saying why not.

    Reads only; the caller records the opening. ``now`` lets tests fix the clock.
    """
    payload = _payload(token)
    now = now or utcnow()
    onboarding = db.session.execute(
        db.select(Onboarding).filter_by(public_id=payload["o"])).scalar_one_or_none()
    if onboarding is None:
        raise InviteError(InviteProblem.UNKNOWN)
    # A finished onboarding answers every old link with "this connection is done".
    if onboarding.status is OnboardingStatus.COMPLETED:
        raise InviteError(InviteProblem.COMPLETED, onboarding, current_link=hmac.compare_digest(
            onboarding.invite_nonce_hash or "", _hash(payload["n"])))
    if onboarding.status is OnboardingStatus.REVOKED:
        raise InviteError(InviteProblem.REVOKED, onboarding)
    if not hmac.compare_digest(onboarding.invite_nonce_hash or "", _hash(payload["n"])):
        raise InviteError(InviteProblem.REPLACED, onboarding)
    if (now.timestamp() >= payload["x"] or now >= onboarding.expires_at
            or onboarding.status is OnboardingStatus.EXPIRED):
        raise InviteError(InviteProblem.EXPIRED, onboarding)
    return onboarding


def record_invite_opened(onboarding: Onboarding, *, user_agent: str = "",
                         now: datetime | None = None) -> bool:
    """Note that the client opened a valid link (first time, and each new visit); the caller
    commits. Reopening within ``VISIT_GAP`` of the last open writes nothing (returns False)."""
    now = now or utcnow()
    first = onboarding.first_opened_at is None
    if not first and onboarding.last_opened_at and now - onboarding.last_opened_at < VISIT_GAP:
        return False
    if first:
        onboarding.first_opened_at = now
    onboarding.last_opened_at = now
    record_event(onboarding, Actor.CLIENT, "invite.opened", first=first, user_agent=user_agent[:200])
    return True
