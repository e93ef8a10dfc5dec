"""Which browsers may continue an onboarding, and one-time codes for a new one.

An invite link is a bearer credential: forwarded or leaked, it would hand the
onboarding (and the payroll access it sets up) to whoever holds it. So a link
opens an onboarding freely only in a browser the onboarding knows:

- the first browser to open a not-yet-started onboarding (the invitee got the email);
- a browser whose session is already bound to it (it proved itself before);
- a browser verified with a 6-digit code mailed to the invite's address.

Every other browser must ask for a code. Codes are random (``secrets``), kept only
as an HMAC under the app's secret keys, expire after ``DEVICE_CODE_MINUTES``, die
after ``DEVICE_CODE_ATTEMPTS`` wrong entries or one use, and one onboarding sends
at most ``DEVICE_CODES_PER_HOUR``. Browsers are known by the sha256 of a random
device id (``wizard.client_device`` keeps the id in a signed cookie).

Every decision is in the audit trail, with a short device reference and never a
code, a device id or a link. ``admit_device`` is the one check every link that
opens an onboarding calls.
"""
from __future__ import annotations

import enum
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError

from wizard.extensions import db
from wizard.mail import send_onboarding_email
from wizard.models import (Actor, DeviceCode, MailState, Onboarding, OnboardingStatus,
                           TrustedDevice, record_event)
from wizard.models.base import utcnow

log = logging.getLogger("wizard.devices")

DEVICE_CODE_MAIL_KIND = "device_code"
CODE_DIGITS = 6
#: A known browser's "last seen" is written at most this often.
SEEN_GAP = timedelta(minutes=30)
RATE_WINDOW = timedelta(hours=1)


class CodeProblem(str, enum.Enum):
    """Why a code was not sent or not accepted (each has its own message)."""

    RATE_LIMITED = "rate_limited"  # too many codes sent for this onboarding this hour
    NOT_SENT = "not_sent"          # the mail server did not take the email
    NO_CODE = "no_code"            # this browser has no live code (never asked, used or replaced)
    EXPIRED = "expired"            # past its expiry
    WRONG = "wrong"                # not the code; ``attempts_left`` more tries
    LOCKED = "locked"              # entered wrongly too often; ask for a new one
    CLOSED = "closed"              # the onboarding is no longer open


class CodeRefused(Exception):
    """A code was refused or could not be sent; ``problem`` says why."""

    def __init__(self, problem: CodeProblem, *, attempts_left: int = 0,
                 retry_at: datetime | None = None):
        super().__init__(problem.value)
        self.problem = problem
        self.attempts_left = attempts_left
        self.retry_at = retry_at


@dataclass(frozen=True)
class SentCode:
    """A code that left by email: where it went (masked) and until when it works."""

    masked_email: str
    expires_at: datetime


def device_hash(device_id: str) -> str:
    """What the database keeps of a device id."""
    return hashlib.sha256(device_id.encode()).hexdigest()


def device_reference(digest: str) -> str:
    """A short, non-secret name for one browser in the audit trail."""
    return digest[:8]


def mask_email(address: str) -> str:
    """``hr@devries.example`` -> ``h***@devries.example``: enough to recognise, not to learn."""
    local, _, domain = (address or "").rpartition("@")
    if not local:
        return "***"
    return f"{local[0]}***@{domain}"


def _known(onboarding: Onboarding, digest: str) -> TrustedDevice | None:
    return db.session.execute(db.select(TrustedDevice).filter_by(
        onboarding_id=onboarding.id, device_hash=digest)).scalar_one_or_none()


def knows_device(onboarding: Onboarding, device_id: str) -> bool:
    """Whether this browser was trusted for the onboarding (reads only)."""
    return _known(onboarding, device_hash(device_id)) is not None


def _trust(onboarding: Onboarding, digest: str, reason: str, now: datetime) -> None:
    """Remember a browser (idempotent under a race: a second insert of the same browser is
    dropped). Flushes; called before the caller changes anything else."""
    db.session.add(TrustedDevice(onboarding=onboarding, device_hash=digest, reason=reason,
                                 trusted_at=now, last_seen_at=now))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()  # the same browser, trusted by a parallel request
        return
    event = "device.verified" if reason == "code" else "device.remembered"
    record_event(onboarding, Actor.CLIENT, event, device=device_reference(digest), reason=reason)


def admit_device(onboarding: Onboarding, device_id: str, *, session_bound: bool = False,
                 now: datetime | None = None) -> bool:
    """May this browser continue the onboarding? Remembers it when the rules trust it.

    ``session_bound`` says the browser's session is already bound to this onboarding.
    Call it before changing anything else in the session (a lost race rolls back);
    the caller commits. False means: the browser must verify with a code first.
    """
    now = now or utcnow()
    digest = device_hash(device_id)
    known = _known(onboarding, digest)
    if known is not None:
        if now - known.last_seen_at >= SEEN_GAP:
            known.last_seen_at = now
        return True
    if session_bound:
        _trust(onboarding, digest, "session", now)
        return True
    if onboarding.status is OnboardingStatus.INVITED and not _has_trusted(onboarding):
        _trust(onboarding, digest, "first_open", now)
        return True
    return False


def _has_trusted(onboarding: Onboarding) -> bool:
    return db.session.scalar(db.select(func.count(TrustedDevice.id)).filter_by(
        onboarding_id=onboarding.id)) > 0


def record_challenge(onboarding: Onboarding, device_id: str) -> None:
    """Note that an unknown browser opened the link and was asked to verify (caller commits)."""
    record_event(onboarding, Actor.SYSTEM, "device.challenged",
                 device=device_reference(device_hash(device_id)))


def _code_hashes(onboarding: Onboarding, digest: str, code: str) -> list[str]:
    """The code's HMAC under each configured secret key (the newest first): a key rotation
    during a code's few minutes does not break it."""
    message = f"{onboarding.public_id}:{digest}:{code}".encode()
    return [hmac.new(key.encode(), message, hashlib.sha256).hexdigest()
            for key in current_app.config["SECRET_KEYS"]]


def live_code(onboarding: Onboarding, device_id: str, *,
              now: datetime | None = None) -> DeviceCode | None:
    """The browser's code that can still be used, if any."""
    now = now or utcnow()
    code = _latest_code(onboarding, device_hash(device_id))
    if code is None or code.expires_at <= now:
        return None
    return code


def _latest_code(onboarding: Onboarding, digest: str) -> DeviceCode | None:
    return db.session.execute(
        db.select(DeviceCode).filter_by(onboarding_id=onboarding.id, device_hash=digest,
                                        ended_at=None)
        .order_by(DeviceCode.created_at.desc(), DeviceCode.id.desc()).limit(1)).scalar_one_or_none()


def _lock_onboarding(onboarding: Onboarding) -> None:
    """Serialise code requests of one onboarding (PostgreSQL; SQLite writes one at a time)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(db.select(Onboarding.id).where(Onboarding.id == onboarding.id)
                           .with_for_update())


def send_device_code(onboarding: Onboarding, device_id: str, *,
                     now: datetime | None = None) -> SentCode:
    """Email a fresh code for this browser to the invite's address (commits).

    The browser's earlier codes stop working. Raises ``CodeRefused`` (``RATE_LIMITED``
    with ``retry_at``, ``NOT_SENT``, ``CLOSED``).
    """
    now = now or utcnow()
    if not onboarding.is_open:
        raise CodeRefused(CodeProblem.CLOSED)
    config = current_app.config
    digest = device_hash(device_id)
    _lock_onboarding(onboarding)
    recent = db.session.scalars(
        db.select(DeviceCode.created_at).filter(DeviceCode.onboarding_id == onboarding.id,
                                                DeviceCode.created_at > now - RATE_WINDOW)
        .order_by(DeviceCode.created_at)).all()
    if len(recent) >= config["DEVICE_CODES_PER_HOUR"]:
        record_event(onboarding, Actor.SYSTEM, "device.code_limited",
                     device=device_reference(digest), per_hour=config["DEVICE_CODES_PER_HOUR"])
        db.session.commit()
        log.warning("device code refused for onboarding %s: hourly limit reached", onboarding.id)
        raise CodeRefused(CodeProblem.RATE_LIMITED, retry_at=recent[0] + RATE_WINDOW)

    db.session.execute(update(DeviceCode).where(
        DeviceCode.onboarding_id == onboarding.id, DeviceCode.device_hash == digest,
        DeviceCode.ended_at.is_(None)).values(ended_at=now))
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    minutes = config["DEVICE_CODE_MINUTES"]
    row = DeviceCode(onboarding=onboarding, device_hash=digest,
                     code_hash=_code_hashes(onboarding, digest, code)[0], created_at=now,
                     expires_at=now + timedelta(minutes=minutes), failed_attempts=0)
    db.session.add(row)
    record_event(onboarding, Actor.SYSTEM, "device.code_sent", device=device_reference(digest),
                 valid_minutes=minutes)
    # Commits the code and the event before the email leaves, then records the delivery.
    message = send_onboarding_email(onboarding, DEVICE_CODE_MAIL_KIND, code=code,
                                    valid_minutes=_whole(minutes))
    if message.state is not MailState.SENT:
        row.ended_at = utcnow()
        record_event(onboarding, Actor.SYSTEM, "device.code_not_sent",
                     device=device_reference(digest))
        db.session.commit()
        raise CodeRefused(CodeProblem.NOT_SENT)
    return SentCode(mask_email(onboarding.contact_email), row.expires_at)


def _whole(minutes: float) -> int | float:
    return int(minutes) if float(minutes).is_integer() else minutes


def normalise_code(entered: str) -> str | None:
    """The digits someone typed (spaces and dashes allowed), or None when it cannot be a code."""
    digits = "".join((entered or "").split()).replace("-", "")
    return digits if len(digits) == CODE_DIGITS and digits.isascii() and digits.isdigit() else None


def verify_device_code(onboarding: Onboarding, device_id: str, entered: str, *,
                       now: datetime | None = None) -> None:
    """Check a code this browser typed; on success the browser is trusted (commits).

    Raises ``CodeRefused`` (``NO_CODE``, ``EXPIRED``, ``WRONG`` with ``attempts_left``,
    ``LOCKED``, ``CLOSED``). Each wrong entry counts, even when entries race.
    """
    now = now or utcnow()
    if not onboarding.is_open:
        raise CodeRefused(CodeProblem.CLOSED)
    digest = device_hash(device_id)
    # Computed before looking anything up, so every path costs the same hashing.
    candidates = _code_hashes(onboarding, digest, normalise_code(entered) or "")
    code = _latest_code(onboarding, digest)
    if code is None:
        raise CodeRefused(CodeProblem.NO_CODE)
    if code.expires_at <= now:
        raise CodeRefused(CodeProblem.EXPIRED)
    maximum = current_app.config["DEVICE_CODE_ATTEMPTS"]
    matches = False
    for candidate in candidates:
        matches |= hmac.compare_digest(code.code_hash, candidate)
    live = (DeviceCode.id == code.id, DeviceCode.ended_at.is_(None),
            DeviceCode.failed_attempts < maximum)
    if matches:
        used = db.session.execute(update(DeviceCode).where(*live).values(ended_at=now))
        if used.rowcount != 1:
            db.session.rollback()  # a parallel request used or locked it first
            raise CodeRefused(CodeProblem.NO_CODE)
        _trust(onboarding, digest, "code", now)
        db.session.commit()
        return
    counted = db.session.execute(update(DeviceCode).where(*live).values(
        failed_attempts=DeviceCode.failed_attempts + 1))
    db.session.refresh(code)
    reference = device_reference(digest)
    if counted.rowcount != 1 or code.failed_attempts >= maximum:
        # Of entries racing past the limit, the one that ends the code records it.
        ended = db.session.execute(update(DeviceCode).where(
            DeviceCode.id == code.id, DeviceCode.ended_at.is_(None)).values(ended_at=now))
        if ended.rowcount == 1:
            record_event(onboarding, Actor.SYSTEM, "device.code_locked", device=reference,
                         attempts=maximum)
            log.warning("device code for onboarding %s locked after %s wrong entries",
                        onboarding.id, maximum)
        db.session.commit()
        raise CodeRefused(CodeProblem.LOCKED)
    attempts_left = maximum - code.failed_attempts
    record_event(onboarding, Actor.SYSTEM, "device.code_failed", device=reference,
                 attempts_left=attempts_left)
    db.session.commit()
    raise CodeRefused(CodeProblem.WRONG, attempts_left=attempts_left)
