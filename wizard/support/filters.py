"""How support pages write times, ages, durations and shares (Dutch time, the reader's language)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import format_date, format_datetime, format_percent, format_timedelta

from wizard.support import bp


@bp.app_template_filter("support_datetime")
def support_datetime(moment: datetime) -> str:
    return format_datetime(moment, "d MMM y HH:mm")


@bp.app_template_filter("support_date")
def support_date(day: date) -> str:
    return format_date(day, "d MMMM y")


@bp.app_template_filter("support_age")
def support_age(age: timedelta) -> str:
    return format_timedelta(age, granularity="minute", threshold=1.1)


@bp.app_template_filter("support_hours")
def support_hours(hours: float | None) -> str:
    if hours is None:
        return "—"
    return format_timedelta(timedelta(hours=hours), granularity="minute", threshold=1.1)


@bp.app_template_filter("support_percent")
def support_percent(share: float | None) -> str:
    return "—" if share is None else format_percent(share)
