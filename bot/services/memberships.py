"""Memberships: three-year terms created by approvals (DESIGN.md sections 4 and 5)."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.terms import term_for_approval
from bot.services import audit
from models.tables import Application, Membership


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
    audit.about(session, application, at=now, actor=actor).record(
        "membership.created",
        membership_id=membership.id,
        starts_on=starts,
        ends_on=ends,
        renews=renewing.id if renewing else None,
    )
    return membership
