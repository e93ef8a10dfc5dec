"""Server-side support sessions: the cookie holds a random token, the database its digest.

A session ends at logout, after ``SUPPORT_IDLE_MINUTES`` without a request, at
``SUPPORT_SESSION_HOURS`` after login, when the account is deactivated or its
password changes. An ended session is never resumed, so a copied cookie stops
working the moment the session ends. Every login makes a new session (and ends
the one the browser had), so a session id is never carried across a login.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, update

from wizard.extensions import db
from wizard.models import SupportSession, SupportUser
from wizard.models.base import utcnow

# last_seen_at is written at most this often, not on every request.
TOUCH_INTERVAL = timedelta(seconds=30)
# Ended and expired sessions are kept this long (who was logged in when), then deleted.
KEEP_ENDED = timedelta(days=30)
MAX_TOKEN_LENGTH = 100


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _idle_limit() -> timedelta:
    return timedelta(minutes=current_app.config["SUPPORT_IDLE_MINUTES"])


def start_session(user: SupportUser, *, replacing: str | None = None,
                  now: datetime | None = None) -> tuple[SupportSession, str]:
    """A new session for ``user`` and the token for its cookie (commits).

    ``replacing`` is the token the browser presented, if any: that session ends.
    """
    now = now or utcnow()
    if replacing:
        previous = resume_session(replacing, now=now)
        if previous is not None:
            _end(previous, "replaced", now)
    token = secrets.token_urlsafe(32)
    lifetime = timedelta(hours=current_app.config["SUPPORT_SESSION_HOURS"])
    session = SupportSession(token_hash=_digest(token), user=user, created_at=now, last_seen_at=now,
                             expires_at=now + lifetime)
    db.session.add(session)
    db.session.commit()
    return session, token


def resume_session(token: str | None, *, now: datetime | None = None) -> SupportSession | None:
    """The live session a cookie's token belongs to, or None; ends it if it ran out (commits then)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    now = now or utcnow()
    session = db.session.execute(
        db.select(SupportSession).filter_by(token_hash=_digest(token))).scalar_one_or_none()
    if session is None or session.ended_at is not None:
        return None
    reason = ("deactivated" if not session.user.active
              else "expired" if now >= session.expires_at
              else "idle" if now - session.last_seen_at >= _idle_limit() else None)
    if reason:
        _end(session, reason, now)
        db.session.commit()
        return None
    if now - session.last_seen_at >= TOUCH_INTERVAL:
        session.last_seen_at = now
        db.session.commit()
    return session


def _end(session: SupportSession, reason: str, now: datetime) -> None:
    session.ended_at = now
    session.ended_reason = reason


def end_session(session: SupportSession, reason: str = "logout") -> None:
    """End one session (logout; commits)."""
    _end(session, reason, utcnow())
    db.session.commit()


def end_sessions_of(user: SupportUser, reason: str, *, keep: int | None = None) -> int:
    """End every live session of ``user`` except ``keep`` (not committed)."""
    query = (update(SupportSession)
             .where(SupportSession.user_id == user.id, SupportSession.ended_at.is_(None))
             .values(ended_at=utcnow(), ended_reason=reason)
             .execution_options(synchronize_session=False))
    if keep is not None:
        query = query.where(SupportSession.id != keep)
    return db.session.execute(query).rowcount


def purge_old_sessions(now: datetime | None = None) -> int:
    """Delete sessions that ended (or ran out) more than 30 days ago (commits)."""
    cutoff = (now or utcnow()) - KEEP_ENDED
    result = db.session.execute(
        delete(SupportSession).where(db.or_(SupportSession.ended_at < cutoff,
                                            SupportSession.expires_at < cutoff)))
    db.session.commit()
    return result.rowcount
