"""After finishing, a client can ask to change which companies are connected.

The request reaches support three ways: a flag on the list, an entry with the client's
words on the journey's detail page (and a line in its timeline), and an email to the
support address when one is configured. A connection has one open request at a time:
asking again while one is open changes nothing and sends nothing. Support settles it by
inviting the client to a re-connection (a relink: credentials, check and the company
choice again, same connection id) or by closing it after settling it otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app

from wizard.extensions import db
from wizard.journeys import journeys_of
from wizard.mail import send_onboarding_email
from wizard.models import (Actor, ChangeRequest, ChangeRequestState, ChangeResolution, JourneyKind,
                           Onboarding, OnboardingStatus, SupportActor, record_event)
from wizard.models.base import utcnow
from wizard.urls import absolute_url

if TYPE_CHECKING:
    from wizard.invites import Invite

#: The longest request a client can type (the form says so too).
MAX_MESSAGE = 2000


class ChangeRequestRefused(Exception):
    """The request cannot be made or handled; ``str(exc)`` names the reason (for support/logs)."""


@dataclass(frozen=True)
class Filed:
    """The connection's open request, and whether it was filed just now."""

    request: ChangeRequest
    created: bool


def open_change_request(onboarding: Onboarding) -> ChangeRequest | None:
    """The connection's open request, whichever of its journeys it was made on."""
    ids = [journey.id for journey in journeys_of(onboarding)]
    return db.session.scalars(
        db.select(ChangeRequest)
        .where(ChangeRequest.onboarding_id.in_(ids), ChangeRequest.state == ChangeRequestState.OPEN)
        .order_by(ChangeRequest.id).limit(1)).first()


def request_change(onboarding: Onboarding, message: str, *, language: str) -> Filed:
    """File the client's request (commits) and tell support; a repeat while one is open is a no-op."""
    if onboarding.status is not OnboardingStatus.COMPLETED:
        raise ChangeRequestRefused("only a completed journey can ask for a change")
    existing = open_change_request(onboarding)
    if existing is not None:
        return Filed(existing, created=False)
    text = (message or "").strip()[:MAX_MESSAGE]
    if not text:
        raise ChangeRequestRefused("a change request needs a description")
    request = ChangeRequest(onboarding=onboarding, message=text, language=language,
                            state=ChangeRequestState.OPEN, created_at=utcnow())
    db.session.add(request)
    db.session.flush()
    record_event(onboarding, Actor.CLIENT, "change_request.created", request_id=request.id)
    db.session.commit()
    address = current_app.config.get("SUPPORT_EMAIL")
    if address:
        # The email names the organisation and links to the dashboard; the client's words stay
        # on the dashboard. Sending commits.
        # Support reads Dutch, whatever the client's language.
        send_onboarding_email(onboarding, "change_request", to=address, language="nl",
                              request_id=request.id,
                              detail_url=absolute_url("support.detail", public_id=onboarding.public_id))
    return Filed(request, created=True)


def _close(request: ChangeRequest, by: SupportActor, resolution: ChangeResolution, **details) -> None:
    if request.state is not ChangeRequestState.OPEN:
        raise ChangeRequestRefused("this request has been handled already")
    request.state = ChangeRequestState.HANDLED
    request.resolution = resolution
    request.handled_at = utcnow()
    request.handled_by_id = by.user_id
    record_event(request.onboarding, by, "change_request.handled", request_id=request.id,
                 resolution=resolution.value, **details)


def close_change_request(request: ChangeRequest, *, by: SupportActor) -> None:
    """Support settled the request without a new link (commits)."""
    _close(request, by, ChangeResolution.CLOSED)
    db.session.commit()


def relink_for_change(request: ChangeRequest, *, by: SupportActor) -> "Invite":
    """Invite the client to a re-connection in which they choose the companies again, and mark
    the request handled (commits). Raises ``OnboardingError`` when the connection cannot have one."""
    # The invite service sits above the step list (through the lifecycle), which shows requests.
    from wizard.invites import invite_reconnection

    if request.state is not ChangeRequestState.OPEN:
        raise ChangeRequestRefused("this request has been handled already")
    invite = invite_reconnection(request.onboarding, JourneyKind.RELINK, actor=by)
    _close(request, by, ChangeResolution.RELINK, journey=invite.onboarding.public_id)
    db.session.commit()
    return invite
