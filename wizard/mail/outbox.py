"""Recording, sending and retrying onboarding emails.

Every email is first recorded as a ``MailMessage`` (state ``pending``) and
committed, then handed to the backend; the outcome is committed again. A
failed attempt is not lost: it waits with a growing delay (``next_attempt_at``)
and ``retry_due_emails`` (``flask mail retry``) sends what is due.

The rendered body is never stored. Values that must not sit in the database
(the invite link) are made fresh for each attempt by the kind's ``fresh``
function; see ``wizard/mail/kinds.py``.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from jinja2 import TemplateNotFound
from sqlalchemy import update

from wizard.extensions import db
from wizard.mail.backends import DeliveryError, FileBackend, backend_from_config
from wizard.mail.compose import compose, render_subject, template_names
from wizard.mail.kinds import mail_kind
from wizard.models import MailMessage, MailState, Onboarding
from wizard.models.audit import secret_looking_keys
from wizard.models.base import utcnow

log = logging.getLogger("wizard.mail")

MAX_RETRY_DELAY = timedelta(hours=6)
# While one process sends a message, others leave it alone this long.
CLAIM_LEASE = timedelta(minutes=5)


def retry_delay(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failure: the base delay, doubling, at most 6 hours."""
    base = current_app.config["MAIL_RETRY_SECONDS"]
    return min(timedelta(seconds=base * 2 ** max(attempts - 1, 0)), MAX_RETRY_DELAY)


def send_onboarding_email(onboarding: Onboarding, kind: str, *, to: str | None = None,
                          language: str | None = None, **context) -> MailMessage:
    """Record an email of ``kind`` to the onboarding's contact (or ``to``: e.g. support) and
    try to send it now.

    ``to`` and ``language`` send it to someone else in their own language (the client's
    Nmbrs administrator, support). Renders ``templates/email/<kind>.txt`` and ``.html`` in
    that language with ``context`` (plus organisation, expiry and support details).
    ``context`` is stored for retries, so it must be JSON and hold no secrets;
    per-attempt values a kind declares (the invite's ``link``) are used now and
    never stored. Commits the session (including the caller's pending changes)
    before talking to the mail server, and again with the outcome. A failed
    attempt leaves the message pending for ``retry_due_emails``.
    """
    spec = mail_kind(kind)
    fresh = {key: context.pop(key) for key in spec.fresh_keys if key in context}
    _check_storable(kind, context)
    now = utcnow()
    if spec.supersedes:
        db.session.execute(
            update(MailMessage)
            .where(MailMessage.onboarding_id == onboarding.id, MailMessage.kind == kind,
                   MailMessage.state == MailState.PENDING)
            .values(state=MailState.CANCELLED, next_attempt_at=None, updated_at=now))
    message = MailMessage(onboarding=onboarding, kind=kind, recipient=to or onboarding.contact_email,
                          language=language, context=context, state=MailState.PENDING, attempts=0,
                          next_attempt_at=now)
    message.subject = render_subject(message)
    db.session.add(message)
    db.session.commit()
    _deliver(message, fresh or None)
    return message


def _check_storable(kind: str, context: dict) -> None:
    for name in template_names(kind):
        try:
            current_app.jinja_env.get_template(name)
        except TemplateNotFound:
            raise ValueError(f"no template {name} for email kind {kind!r}") from None
    leaked = secret_looking_keys(context)
    if leaked:
        raise ValueError(f"email context must not carry secrets: {leaked}")
    try:
        json.dumps(context)
    except TypeError as exc:
        raise ValueError(f"email context must be JSON: {exc}") from None


def _deliver(message: MailMessage, fresh: dict | None) -> None:
    """One attempt: render, send, record the outcome, commit."""
    spec = mail_kind(message.kind)
    if fresh is None:
        fresh = spec.fresh(message.onboarding) if spec.fresh else {}
        db.session.commit()  # a new link must be valid before it leaves in an email
    backend = backend_from_config(current_app.config)
    message.attempts += 1
    try:
        where = backend.send(compose(message, fresh))
    except DeliveryError as error:
        _record_failure(message, error)
    else:
        message.state = MailState.SENT
        message.sent_at = utcnow()
        message.next_attempt_at = None
        message.last_error = None
        _log_sent(message, backend, where, fresh)
    db.session.commit()


def _record_failure(message: MailMessage, error: DeliveryError) -> None:
    message.last_error = str(error)
    if (error.permanent or not mail_kind(message.kind).retries
            or message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]):
        message.state = MailState.FAILED
        message.next_attempt_at = None
        log.error("email %s (%s) failed for good after %s attempts: %s",
                  message.id, message.kind, message.attempts, error)
    else:
        message.next_attempt_at = utcnow() + retry_delay(message.attempts)
        log.warning("email %s (%s) attempt %s failed, retry after %s: %s", message.id,
                    message.kind, message.attempts, message.next_attempt_at.isoformat(), error)


def _log_sent(message: MailMessage, backend, where: str, fresh: dict) -> None:
    if isinstance(backend, FileBackend):
        log.info("email %s (%s) written to the file outbox: %s", message.id, message.kind, where)
        if "link" in fresh and current_app.config["WIZARD_ENV"] == "development":
            log.info("development only, link in email %s: %s", message.id, fresh["link"])
    else:
        log.info("email %s (%s) accepted by %s", message.id, message.kind, where)


@dataclass
class RetrySummary:
    """What one ``retry_due_emails`` run did, by message id."""

    sent: list[int] = field(default_factory=list)
    still_pending: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)


def _claim(message_id: int, now: datetime) -> bool:
    """Take a due message for this process; False when another process got it first."""
    claimed = db.session.execute(
        update(MailMessage)
        .where(MailMessage.id == message_id, MailMessage.state == MailState.PENDING,
               MailMessage.next_attempt_at <= now)
        .values(next_attempt_at=now + CLAIM_LEASE))
    db.session.commit()
    return claimed.rowcount == 1


def retry_due_emails(*, now: datetime | None = None, limit: int = 100) -> RetrySummary:
    """Try again every pending email whose ``next_attempt_at`` has come (oldest first)."""
    now = now or utcnow()
    due = db.session.execute(
        db.select(MailMessage.id)
        .where(MailMessage.state == MailState.PENDING, MailMessage.next_attempt_at <= now)
        .order_by(MailMessage.next_attempt_at, MailMessage.id).limit(limit)).scalars().all()
    summary = RetrySummary()
    for message_id in due:
        if not _claim(message_id, now):
            continue
        message = db.session.get(MailMessage, message_id)
        spec = mail_kind(message.kind)
        # A kind without retries left pending (the process stopped mid-send) is not sent late.
        if not spec.retries or (spec.needs_open_onboarding and not message.onboarding.is_open):
            message.state = MailState.CANCELLED
            message.next_attempt_at = None
            db.session.commit()
            summary.cancelled.append(message_id)
            continue
        _deliver(message, None)
        {MailState.SENT: summary.sent, MailState.FAILED: summary.failed}.get(
            message.state, summary.still_pending).append(message_id)
    return summary


def cancel_pending_emails(onboarding: Onboarding, kind: str | None = None) -> int:
    """Cancel unsent emails of an onboarding (e.g. when its invite is revoked); not committed."""
    query = update(MailMessage).where(MailMessage.onboarding_id == onboarding.id,
                                      MailMessage.state == MailState.PENDING)
    if kind is not None:
        query = query.where(MailMessage.kind == kind)
    result = db.session.execute(query.values(state=MailState.CANCELLED, next_attempt_at=None,
                                             updated_at=utcnow()))
    return result.rowcount
