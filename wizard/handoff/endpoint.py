"""The sync backend's endpoint: disabled when it answers 410 Gone, until an operator re-enables it.

A 410 means "this URL is gone for good": sending more would only hammer a
retired address, so the worker stops delivering everything to it, logs at
ERROR and raises a flag that support sees (``delivery_blocked``). Messages
stay queued. ``flask outbox enable`` (or the support dashboard via
``enable_endpoint``) lifts it once the URL is fixed or the backend is back.
The flag lives in the database, so every worker and every restart honours it.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from wizard.extensions import db
from wizard.models import Actor, DeliveryEndpoint, record_event
from wizard.models.base import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryBlock:
    """Why hand-offs are not being delivered, and since when (for support and operators)."""

    url: str
    since: datetime
    status: int
    message_id: str | None

    @property
    def reason(self) -> str:
        return (f"the sync backend answered HTTP {self.status} (gone) at {self.url}; "
                "delivery is stopped until an operator runs `flask outbox enable`")


def _hash(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def readable(url: str) -> str:
    """Scheme, host and path only: a query string may carry a key."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"[:300]


def _endpoint(url: str) -> DeliveryEndpoint | None:
    return db.session.scalar(select(DeliveryEndpoint).where(DeliveryEndpoint.url_hash == _hash(url)))


def delivery_blocked(url: str | None = None) -> DeliveryBlock | None:
    """The block on the configured ``SYNC_URL`` (or ``url``), or None while delivery may go on."""
    endpoint = _endpoint(url or current_app.config["SYNC_URL"])
    if endpoint is None or endpoint.disabled_at is None:
        return None
    return DeliveryBlock(endpoint.url, endpoint.disabled_at, endpoint.disabled_status or 410,
                         endpoint.disabled_by)


def disable_endpoint(url: str, *, status: int, message_id: str, now: datetime | None = None) -> None:
    """The backend said the URL is gone: stop delivering to it (commits)."""
    now = now or utcnow()
    endpoint = _endpoint(url)
    if endpoint is None:
        endpoint = DeliveryEndpoint(url_hash=_hash(url), url=readable(url))
        db.session.add(endpoint)
    if endpoint.disabled_at is None:
        endpoint.disabled_at, endpoint.disabled_status, endpoint.disabled_by = now, status, message_id
        record_event(None, Actor.SYSTEM, "delivery.disabled", endpoint=endpoint.url, status=status,
                     message_id=message_id)
    db.session.commit()
    log.error("the sync backend answered HTTP %s for %s at %s: delivery to it is stopped until "
              "an operator runs `flask outbox enable`", status, message_id, endpoint.url)


def enable_endpoint(url: str | None = None, actor: Actor = Actor.SUPPORT) -> bool:
    """Lift the block on ``SYNC_URL`` (or ``url``); False if it was not blocked. The caller commits."""
    endpoint = _endpoint(url or current_app.config["SYNC_URL"])
    if endpoint is None or endpoint.disabled_at is None:
        return False
    record_event(None, actor, "delivery.enabled", endpoint=endpoint.url,
                 disabled_at=endpoint.disabled_at.isoformat())
    endpoint.disabled_at = endpoint.disabled_status = endpoint.disabled_by = None
    endpoint.enabled_at = utcnow()
    log.warning("delivery to %s was re-enabled by %s", endpoint.url, actor.value)
    return True
