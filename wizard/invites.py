"""Invite links: a signed, expiring token that opens one onboarding.

The token carries the onboarding's public id and a random nonce; the database
keeps only the nonce's sha256, so a database leak yields no usable link, and
issuing a new link (which replaces the hash) invalidates the old one.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from enum import Enum

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired

from wizard.extensions import db
from wizard.models import Onboarding, OnboardingStatus
from wizard.tokens import INVITE_SALT, serializer
from wizard.urls import absolute_url


class InviteProblem(str, Enum):
    MALFORMED = "malformed"   # not a token at all, or the signature does not match
    EXPIRED = "expired"       # older than the invite lifetime, or the onboarding expired
    UNKNOWN = "unknown"       # validly signed, but no such onboarding
    REPLACED = "replaced"     # a newer link was sent; this one no longer works
    REVOKED = "revoked"       # support withdrew the invite
    COMPLETED = "completed"   # the onboarding is done; nothing to open


class InviteError(Exception):
    def __init__(self, problem: InviteProblem, onboarding: Onboarding | None = None):
        super().__init__(problem.value)
        self.problem = problem
        self.onboarding = onboarding


def _hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def issue_invite_link(onboarding: Onboarding) -> str:
    """Make a fresh absolute invite URL; any earlier link for this onboarding stops working."""
    nonce = secrets.token_urlsafe(16)
    onboarding.invite_nonce_hash = _hash(nonce)
    token = serializer(INVITE_SALT).dumps({"o": onboarding.public_id, "n": nonce})
    return absolute_url("onboarding.open_invite", token=token)


def redeem_invite(token: str) -> Onboarding:
    """Return the onboarding a token opens, or raise ``InviteError`` saying why not."""
    max_age = current_app.config["INVITE_MAX_AGE_DAYS"] * 86400
    try:
        payload = serializer(INVITE_SALT).loads(token, max_age=max_age)
    except SignatureExpired:
        raise InviteError(InviteProblem.EXPIRED) from None
    except BadSignature:
        raise InviteError(InviteProblem.MALFORMED) from None
    if not (isinstance(payload, dict) and isinstance(payload.get("o"), str)
            and isinstance(payload.get("n"), str)):
        raise InviteError(InviteProblem.MALFORMED)

    onboarding = db.session.execute(
        db.select(Onboarding).filter_by(public_id=payload["o"])).scalar_one_or_none()
    if onboarding is None:
        raise InviteError(InviteProblem.UNKNOWN)
    if onboarding.status is OnboardingStatus.COMPLETED:
        raise InviteError(InviteProblem.COMPLETED, onboarding)
    if onboarding.status is OnboardingStatus.REVOKED:
        raise InviteError(InviteProblem.REVOKED, onboarding)
    if not hmac.compare_digest(onboarding.invite_nonce_hash or "", _hash(payload["n"])):
        raise InviteError(InviteProblem.REPLACED, onboarding)
    if onboarding.is_expired or onboarding.status is OnboardingStatus.EXPIRED:
        raise InviteError(InviteProblem.EXPIRED, onboarding)
    return onboarding
