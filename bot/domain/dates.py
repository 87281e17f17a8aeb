"""Dates and times as people read them, in the configured timezone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

# Dates the bot accepts from people and files: anything else is a typing slip, and arithmetic
# on it (three years on from 9998) would fail.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2099, 12, 31)


def day(value: date) -> str:
    """`3 March 2026`."""
    return f"{value.day} {value:%B %Y}"


def moment(value: datetime, tz: ZoneInfo) -> str:
    """`3 March 2026, 14:05` in the configured timezone."""
    local = value.astimezone(tz)
    return f"{day(local.date())}, {local:%H:%M}"


def local_date(value: datetime, tz: ZoneInfo) -> date:
    return value.astimezone(tz).date()


def out_of_range(value: date) -> str | None:
    """Why `value` is refused, or None if it is between `EARLIEST_DAY` and `LATEST_DAY`."""
    if EARLIEST_DAY <= value <= LATEST_DAY:
        return None
    return f"Pick a date between {day(EARLIEST_DAY)} and {day(LATEST_DAY)}."
