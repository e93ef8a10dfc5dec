"""Support login through the company's identity provider (OpenID Connect).

The provider vouches for who someone is; who is support, and with which role, is still
decided here: only an existing, active support account whose e-mail address the
provider reports as verified gets in. Nobody is created on the fly, so leaving the
company (disabled at the provider) or leaving support (deactivated here) each end access.
"""
from __future__ import annotations

from enum import Enum
from typing import Mapping

from wizard.extensions import db
from wizard.models import SupportActor, SupportUser, record_event
from wizard.models.base import utcnow
from wizard.staff.accounts import find_user


class SignOnProblem(str, Enum):
    UNVERIFIED = "unverified"   # no e-mail address, or the provider did not verify it
    NO_ACCOUNT = "no_account"   # a colleague without a support account
    INACTIVE = "inactive"       # a deactivated support account


class SingleSignOnRefused(Exception):
    def __init__(self, problem: SignOnProblem):
        super().__init__(problem.value)
        self.problem = problem


def account_for_identity(claims: Mapping) -> SupportUser:
    """The support account the provider's verified ID token ``claims`` name (commits).

    Raises ``SingleSignOnRefused`` when there is none the person may use.
    """
    email = claims.get("email")
    if not isinstance(email, str) or claims.get("email_verified") is not True:
        raise SingleSignOnRefused(SignOnProblem.UNVERIFIED)
    user = find_user(email)
    if user is None:
        raise SingleSignOnRefused(SignOnProblem.NO_ACCOUNT)
    if not user.active:
        raise SingleSignOnRefused(SignOnProblem.INACTIVE)
    user.last_login_at = utcnow()
    record_event(None, SupportActor(user_id=user.id), "support_user.signed_on", user_id=user.id)
    db.session.commit()
    return user
