"""A connection's journeys: the first onboarding and every re-connection after it.

A live connection sometimes needs new credentials without redoing the whole
onboarding: moving a token client onto "Inloggen met Nmbrs" before SOAP ends
(``SWITCH_TO_CONSENT``), or new credentials after a token was revoked or rights
changed (``RELINK``). Each is a new journey (an ``Onboarding`` row) pointing at
the first one, so it has its own link, steps, audit trail and expiry, while the
sync backend receives a hand-off for the same connection id with a higher
revision. Terms already accepted under the current version are not asked again,
and the companies chosen before are chosen again.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app

from wizard.extensions import db
from wizard.models import (Actor, JourneyKind, Onboarding, OnboardingStatus, TermsAcceptance,
                           record_event)
from wizard.models.base import utcnow
from wizard.nmbrs.contract import SOAP_END_OF_SUPPORT

#: What each kind of journey is invited with (templates/email/<kind>.txt/.html).
INVITE_MAIL_KIND = {
    JourneyKind.NEW: "invite",
    JourneyKind.SWITCH_TO_CONSENT: "switch_invite",
    JourneyKind.RELINK: "relink_invite",
}


def connection_root(onboarding: Onboarding) -> Onboarding:
    """The connection's first journey (whose public id is the connection id)."""
    return onboarding.parent or onboarding


def journeys_of(onboarding: Onboarding) -> list[Onboarding]:
    """Every journey of the connection, oldest first."""
    root = connection_root(onboarding)
    query = (db.select(Onboarding)
             .where(db.or_(Onboarding.id == root.id, Onboarding.parent_id == root.id))
             .order_by(Onboarding.id))
    return list(db.session.scalars(query))


def live_journey(onboarding: Onboarding) -> Onboarding | None:
    """The completed journey whose credentials the sync backend holds (highest revision)."""
    completed = [j for j in journeys_of(onboarding) if j.status is OnboardingStatus.COMPLETED]
    return max(completed, key=lambda j: j.revision or 1, default=None)


def open_reconnection(onboarding: Onboarding) -> Onboarding | None:
    """An unfinished re-connection of the connection, if the client has one to walk."""
    return next((j for j in reversed(journeys_of(onboarding))
                 if j.kind is not JourneyKind.NEW and j.is_open), None)


def live_method(onboarding: Onboarding) -> str | None:
    """How the live connection connects ("token", "oauth"), or None if it is not live."""
    live = live_journey(onboarding)
    answer = live.answers.method if live else None
    return answer.method if answer else None


def terms_accepted_for_connection(onboarding: Onboarding, version: str) -> bool:
    """Someone accepted ``version`` of the terms in any journey of this connection."""
    ids = [journey.id for journey in journeys_of(onboarding)]
    return db.session.scalar(
        db.select(db.func.count()).select_from(TermsAcceptance)
        .where(TermsAcceptance.onboarding_id.in_(ids), TermsAcceptance.version == version)) > 0


class ReconnectionRefused(Exception):
    """The connection cannot get this re-connection; ``str(exc)`` says why (safe to show)."""


@dataclass(frozen=True)
class Reconnection:
    """A re-connection journey and whether it was created now or already existed."""

    journey: Onboarding
    created: bool


def plan_reconnection(onboarding: Onboarding, kind: JourneyKind) -> Onboarding | None:
    """Check a re-connection may start; return the open one of the same kind to reuse, if any.

    Raises ``ReconnectionRefused`` naming the reason.
    """
    if kind is JourneyKind.NEW:
        raise ReconnectionRefused("a re-connection cannot be a new onboarding")
    root = connection_root(onboarding)
    if root.status is OnboardingStatus.REVOKED:
        raise ReconnectionRefused("this connection was revoked")
    live = live_journey(root)
    if live is None:
        raise ReconnectionRefused("this connection has not been completed yet; "
                                  "resend its invite instead")
    if kind is JourneyKind.SWITCH_TO_CONSENT and live_method(root) != "token":
        raise ReconnectionRefused("this connection does not use an API token")
    current = open_reconnection(root)
    return current if current is not None and current.kind is kind else None


def create_reconnection(onboarding: Onboarding, kind: JourneyKind, *, actor: Actor,
                        expires_days: int | None = None) -> Onboarding:
    """Add a re-connection journey to a live connection (not committed; no email sent).

    An open re-connection of another kind is withdrawn: the client walks one at a time.
    """
    root = connection_root(onboarding)
    plan_reconnection(root, kind)
    live = live_journey(root)
    days = expires_days if expires_days is not None else current_app.config["INVITE_MAX_AGE_DAYS"]
    if days < 1:
        raise ReconnectionRefused("an invite must be valid for at least one day")
    previous = open_reconnection(root)
    if previous is not None:
        previous.status = OnboardingStatus.REVOKED
        previous.invite_nonce_hash = None
        record_event(previous, actor, "invite.revoked", reason="superseded")
    journey = Onboarding(
        kind=kind, parent=root, organisation=root.organisation,
        contact_name=live.contact_name, contact_email=live.contact_email,
        language=live.language, profile=live.profile, status=OnboardingStatus.INVITED,
        raw_answers={}, expires_at=utcnow() + timedelta(days=days))
    db.session.add(journey)
    # What the live connection already settled is not asked again.
    if live.answers.package:
        journey.answers.record("package", package=live.answers.package.package)
    if kind is JourneyKind.SWITCH_TO_CONSENT:
        journey.answers.record("method", method="oauth")
    db.session.flush()
    record_event(journey, actor, "onboarding.created", organisation=root.organisation,
                 language=journey.language, profile=journey.profile, kind=kind.value,
                 connection=root.public_id)
    record_event(root, actor, "reconnection.started", journey=journey.public_id, kind=kind.value)
    return journey


@dataclass(frozen=True)
class ConnectionReport:
    """Live connections by method, and how far moving token clients onto consent has come."""

    live_by_method: dict[str, int]
    #: Token connections with an open switch-to-consent journey (invited, not finished).
    invited_to_switch: int
    #: Connections now on consent after a switch-to-consent journey.
    switched: int
    #: The day Nmbrs ends SOAP, after which every token connection stops.
    sunset: date

    @property
    def still_on_soap(self) -> int:
        return self.live_by_method.get("token", 0)


@dataclass(frozen=True)
class LiveConnection:
    """A connection the sync backend holds credentials for, and its journeys."""

    root: Onboarding
    live: Onboarding
    journeys: list[Onboarding]

    @property
    def method(self) -> str:
        answer = self.live.answers.method
        return answer.method if answer else "unknown"

    @property
    def invited_to_switch(self) -> bool:
        return any(j.kind is JourneyKind.SWITCH_TO_CONSENT and j.is_open for j in self.journeys)


def live_connections() -> list[LiveConnection]:
    """Every live connection (one pass over every journey), oldest first."""
    by_connection: dict[int, list[Onboarding]] = {}
    for journey in db.session.scalars(db.select(Onboarding).order_by(Onboarding.id)):
        by_connection.setdefault(journey.parent_id or journey.id, []).append(journey)
    connections = []
    for journeys in by_connection.values():
        completed = [j for j in journeys if j.status is OnboardingStatus.COMPLETED]
        if completed and journeys[0].status is not OnboardingStatus.REVOKED:
            live = max(completed, key=lambda j: j.revision or 1)
            connections.append(LiveConnection(journeys[0], live, journeys))
    return connections


def connection_report() -> ConnectionReport:
    """Count live connections by method, and the move from token to consent."""
    live_by_method: dict[str, int] = {}
    invited = switched = 0
    for connection in live_connections():
        live, method = connection.live, connection.method
        live_by_method[method] = live_by_method.get(method, 0) + 1
        if method == "token" and connection.invited_to_switch:
            invited += 1
        if method == "oauth" and live.kind is JourneyKind.SWITCH_TO_CONSENT:
            switched += 1
    return ConnectionReport(live_by_method, invited, switched, SOAP_END_OF_SUPPORT)
