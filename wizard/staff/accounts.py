"""Support accounts: create, log in (with lockout and back-off), change password, deactivate.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106). Failed
logins are counted per e-mail address, known or not, in ``login_throttle``: after
``SUPPORT_LOGIN_ATTEMPTS`` failures the address is locked for a minute, and every
further failure doubles the lock up to an hour. An unknown address is checked
against a dummy hash, so neither the answer nor its timing tells whether an
account exists.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app

from wizard.extensions import db
from wizard.models import (LoginThrottle, SupportActor, SupportRole, SupportUser, record_event)
from wizard.models.base import utcnow

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(hours=1)

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """What an unknown address is checked against; made on first use, not at import (an
    argon2id hash takes 64 MB and most of a second, which every web worker and command
    paid at start: ``make bench``'s cold start and peak memory)."""
    return _hasher.hash("no account has this password; it only evens out the timing")


class AccountError(Exception):
    """An account operation was refused; ``str(exc)`` is safe to show."""


@dataclass
class LoginRefused(Exception):
    """The login did not succeed; ``locked_for`` is set while the address is locked."""

    locked_for: timedelta | None = None


def normalise_email(email: str) -> str:
    """The address as stored and compared: validated, lower-case."""
    try:
        return validate_email((email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise AccountError(f"not a valid e-mail address: {error}") from None


def check_password_rules(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password or "") <= MAX_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def find_user(email: str) -> SupportUser | None:
    try:
        address = normalise_email(email)
    except AccountError:
        return None
    return db.session.execute(db.select(SupportUser).filter_by(email=address)).scalar_one_or_none()


def list_users() -> list[SupportUser]:
    return list(db.session.scalars(db.select(SupportUser).order_by(SupportUser.email)))


def create_user(*, email: str, role: SupportRole, password: str,
                by: SupportUser | None = None) -> SupportUser:
    """Create a support account (commits); ``by`` is the admin who did it (None: the CLI)."""
    address = normalise_email(email)
    check_password_rules(password)
    if find_user(address) is not None:
        raise AccountError(f"there is already an account for {address}")
    user = SupportUser(email=address, role=SupportRole(role), password_hash=_hasher.hash(password),
                       active=True, password_changed_at=utcnow())
    db.session.add(user)
    db.session.flush()
    record_event(None, SupportActor(user_id=by.id if by else None), "support_user.created",
                 user_id=user.id, role=user.role.value)
    db.session.commit()
    return user


def _email_hash(address: str) -> str:
    return hashlib.sha256(address.encode()).hexdigest()


def _throttle(address: str) -> LoginThrottle | None:
    return db.session.execute(
        db.select(LoginThrottle).filter_by(email_hash=_email_hash(address))).scalar_one_or_none()


def _lock_after(failures: int) -> timedelta | None:
    allowed = current_app.config["SUPPORT_LOGIN_ATTEMPTS"]
    if failures < allowed:
        return None
    return min(FIRST_LOCK * 2 ** (failures - allowed), LONGEST_LOCK)


def authenticate(email: str, password: str, *, now: datetime | None = None) -> SupportUser:
    """The active account with this e-mail and password, or ``LoginRefused`` (commits)."""
    now = now or utcnow()
    try:
        address = normalise_email(email)
    except AccountError:
        raise LoginRefused() from None  # not an address: there is nothing to count against
    throttle = _throttle(address)
    if throttle is not None and throttle.locked_until is not None and throttle.locked_until > now:
        raise LoginRefused(locked_for=throttle.locked_until - now)
    user = find_user(address)
    if _verify(user, password):
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        if throttle is not None:
            db.session.delete(throttle)
        user.last_login_at = now
        db.session.commit()
        return user
    if throttle is None:
        throttle = LoginThrottle(email_hash=_email_hash(address), failures=0)
        db.session.add(throttle)
    throttle.failures = (throttle.failures or 0) + 1
    throttle.last_failure_at = now
    lock = _lock_after(throttle.failures)
    throttle.locked_until = now + lock if lock else None
    db.session.commit()
    raise LoginRefused(locked_for=lock)


def _verify(user: SupportUser | None, password: str) -> bool:
    if not password or len(password) > MAX_PASSWORD_LENGTH:
        return False
    usable = user is not None and user.active and user.password_hash
    try:
        return _hasher.verify(user.password_hash if usable else _dummy_hash(), password) \
            and bool(usable)
    except (VerificationError, InvalidHashError):
        return False


def change_password(user: SupportUser, *, current: str, new: str, keep_session_id: int | None) -> None:
    """Replace the user's password (commits); every other session of theirs ends."""
    from wizard.staff.sessions import end_sessions_of

    if not _verify(user, current):
        raise AccountError("the current password is not right")
    check_password_rules(new)
    user.password_hash = _hasher.hash(new)
    user.password_changed_at = utcnow()
    end_sessions_of(user, "password_changed", keep=keep_session_id)
    record_event(None, SupportActor(user_id=user.id), "support_user.password_changed", user_id=user.id)
    db.session.commit()


def set_password(user: SupportUser, password: str) -> None:
    """Set a password without knowing the old one (the CLI and the demo; commits)."""
    from wizard.staff.sessions import end_sessions_of

    check_password_rules(password)
    user.password_hash = _hasher.hash(password)
    user.password_changed_at = utcnow()
    end_sessions_of(user, "password_changed")
    db.session.commit()


def set_active(user: SupportUser, active: bool, *, by: SupportUser) -> None:
    """Deactivate (ending every session) or reactivate an account (commits). Not your own."""
    from wizard.staff.sessions import end_sessions_of

    if user.id == by.id:
        raise AccountError("you cannot deactivate your own account")
    if user.active == active:
        return
    user.active = active
    if not active:
        end_sessions_of(user, "deactivated")
    record_event(None, SupportActor(user_id=by.id),
                 "support_user.activated" if active else "support_user.deactivated", user_id=user.id)
    db.session.commit()
