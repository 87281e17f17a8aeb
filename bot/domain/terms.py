"""Membership terms as plain dates (DESIGN.md section 5): how long, and where a term stands."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from models.tables import Membership

TERM_YEARS = 3
EXPIRING_WINDOW_DAYS = 90


class MembershipState(StrEnum):
    """Where a term stands (DESIGN.md section 5)."""

    ACTIVE = "active"
    EXPIRING = "expiring"
    LAPSED = "lapsed"
    RENEWED = "renewed"


def membership_state(
    membership: Membership, today: date, *, expiring_window_days: int = EXPIRING_WINDOW_DAYS
) -> MembershipState:
    """The term's state on `today`; `ends_on` is its last day.

    A renewed term stays renewed whatever the date; otherwise it is expiring within
    `expiring_window_days` of its end (the end day included) and lapsed from the day after.
    A renewal term that has not started yet counts as active.
    """
    if membership.renewed_by_id is not None:
        return MembershipState.RENEWED
    if today > membership.ends_on:
        return MembershipState.LAPSED
    if (membership.ends_on - today).days <= expiring_window_days:
        return MembershipState.EXPIRING
    return MembershipState.ACTIVE


def years_later(start: date, years: int) -> date:
    """The same day `years` later (29 February becomes 28 February)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def months_later(start: date, months: int) -> date:
    """The same day `months` later (or earlier, when negative), or the month's last day."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    for day in range(start.day, 27, -1):
        try:
            return date(year, month + 1, day)
        except ValueError:
            continue
    return date(year, month + 1, min(start.day, 28))


def term_for_approval(decided_on: date, renewing: Membership | None) -> tuple[date, date]:
    """Start and end of the new term: a renewal approved before the old end continues it."""
    if renewing is not None and decided_on <= renewing.ends_on:
        starts = renewing.ends_on + timedelta(days=1)
    else:
        starts = decided_on
    return starts, years_later(starts, TERM_YEARS)
