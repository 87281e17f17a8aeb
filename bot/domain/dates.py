"""Dates and times as people read them, in the configured timezone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def day(value: date) -> str:
    """`3 March 2026`."""
    return f"{value.day} {value:%B %Y}"


def moment(value: datetime, tz: ZoneInfo) -> str:
    """`3 March 2026, 14:05` in the configured timezone."""
    local = value.astimezone(tz)
    return f"{day(local.date())}, {local:%H:%M}"


def local_date(value: datetime, tz: ZoneInfo) -> date:
    return value.astimezone(tz).date()
