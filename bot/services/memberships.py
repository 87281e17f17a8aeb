"""Memberships: three-year terms created by approvals (DESIGN.md sections 4 and 5)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import audit
from models.tables import Application, Membership

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


def term_for_approval(decided_on: date, renewing: Membership | None) -> tuple[date, date]:
    """Start and end of the new term: a renewal approved before the old end continues it."""
    if renewing is not None and decided_on <= renewing.ends_on:
        starts = renewing.ends_on + timedelta(days=1)
    else:
        starts = decided_on
    return starts, years_later(starts, TERM_YEARS)


async def create_for_approval(
    session: AsyncSession,
    application: Application,
    *,
    decided_on: date,
    now: datetime,
    actor: str,
) -> Membership:
    """The membership an approval creates, linked from the term it renews (if any)."""
    renewing = (
        await session.get(Membership, application.renewal_of_id)
        if application.renewal_of_id is not None
        else None
    )
    starts, ends = term_for_approval(decided_on, renewing)
    membership = Membership(
        council_id=application.council_id,
        application_id=application.id,
        starts_on=starts,
        ends_on=ends,
        created_at=now,
        strategy_url=application.strategy_url,
    )
    session.add(membership)
    await session.flush()
    if renewing is not None:
        renewing.renewed_by_id = membership.id
        session.add(renewing)
    audit.record(
        session,
        at=now,
        actor=actor,
        action="membership.created",
        council_id=application.council_id,
        application_id=application.id,
        membership_id=membership.id,
        starts_on=starts,
        ends_on=ends,
        renews=renewing.id if renewing else None,
    )
    return membership
