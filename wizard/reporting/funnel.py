"""The funnel: how far the onboardings invited in a period got, and how fast.

Only first connections count (``JourneyKind.NEW``); re-connections skip steps by
design. A stage is reached when the audit trail shows it: the link opened, a
step completed (the steps come from the step list, so a new step is a new
stage; the credential steps of all connection methods are one stage), the
onboarding completed, the hand-off delivered. Times run from the invite to
completion; "without support" means no support action after the invite itself.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, select

from wizard.extensions import db
from wizard.models import Actor, AuditEvent, JourneyKind, Onboarding, OnboardingStatus

LOCAL = ZoneInfo("Europe/Amsterdam")
#: Support events that are part of inviting, not of helping.
INVITING = ("onboarding.created", "invite.sent")


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    reached: int
    #: Reached this stage but not the next (for the last stage: 0).
    stopped: int

    def share_of(self, total: int) -> float:
        return self.reached / total if total else 0.0


@dataclass(frozen=True)
class Funnel:
    start: date
    end: date
    invited: int
    stages: list[Stage]
    completed: int
    median_hours: float | None
    p90_hours: float | None
    #: Completed without any support action after the invite, as a share of completed.
    without_support: float | None


@dataclass(frozen=True)
class _Spec:
    key: str
    label: str
    event_type: str
    steps: tuple[str, ...] = ()


def _specs() -> list[_Spec]:
    from wizard.connection.registry import METHODS
    from wizard.steps.flow import current_machine

    credential_steps = {method.credential_step for method in METHODS}
    specs = [_Spec("opened", _l("Link geopend"), "invite.opened")]
    grouped = False
    for step in current_machine().steps:
        if step.name in ("welcome", "done") or step.completes_onboarding:
            continue
        if step.name in credential_steps:
            if grouped:
                continue
            grouped = True
            specs.append(_Spec("credentials", step.title, "step.completed", tuple(credential_steps)))
            continue
        specs.append(_Spec(step.name, step.title, "step.completed", (step.name,)))
    specs.append(_Spec("completed", _l("Afgerond"), "onboarding.completed"))
    specs.append(_Spec("delivered", _l("Afgeleverd"), "handoff.delivered"))
    return specs


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """From the start of ``start`` to the end of ``end``, Dutch time, as UTC moments."""
    return (datetime.combine(start, time.min, LOCAL),
            datetime.combine(end + timedelta(days=1), time.min, LOCAL))


def _percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def funnel(start: date, end: date) -> Funnel:
    """The funnel of first connections invited between ``start`` and ``end`` (inclusive)."""
    since, until = period_bounds(start, end)
    cohort = and_(Onboarding.kind == JourneyKind.NEW, Onboarding.created_at >= since,
                  Onboarding.created_at < until)
    invited = db.session.scalar(select(func.count()).select_from(Onboarding).where(cohort))
    specs = _specs()
    step = AuditEvent.details["step"].as_string()
    counted = db.session.execute(
        select(AuditEvent.event_type, step, func.count(func.distinct(AuditEvent.onboarding_id)))
        .join(Onboarding, Onboarding.id == AuditEvent.onboarding_id)
        .where(cohort, AuditEvent.event_type.in_({spec.event_type for spec in specs}))
        .group_by(AuditEvent.event_type, step)).all()
    reached = []
    for spec in specs:
        reached.append(sum(count for event_type, step_name, count in counted
                           if event_type == spec.event_type
                           and (not spec.steps or step_name in spec.steps)))
    stages = [Stage(spec.key, str(spec.label), count,
                    max(count - (reached[i + 1] if i + 1 < len(reached) else count), 0))
              for i, (spec, count) in enumerate(zip(specs, reached))]

    done = db.session.execute(
        select(Onboarding.created_at, Onboarding.completed_at)
        .where(cohort, Onboarding.status == OnboardingStatus.COMPLETED,
               Onboarding.completed_at.is_not(None))).all()
    hours = [(completed - created).total_seconds() / 3600 for created, completed in done]
    helped = exists().where(AuditEvent.onboarding_id == Onboarding.id, AuditEvent.actor == Actor.SUPPORT,
                            AuditEvent.event_type.not_in(INVITING))
    unaided = db.session.scalar(select(func.count()).select_from(Onboarding).where(
        cohort, Onboarding.status == OnboardingStatus.COMPLETED, ~helped))
    return Funnel(start=start, end=end, invited=invited, stages=stages, completed=len(done),
                  median_hours=_percentile(hours, 0.5), p90_hours=_percentile(hours, 0.9),
                  without_support=unaided / len(done) if done else None)
