"""Memberships: three-year terms created by approvals (DESIGN.md sections 4 and 5)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.refusals import Refusal, Refused, Task, Thing, require_staff
from bot.domain.terms import term_for_approval
from bot.services import audit
from bot.services.councils import council_then_reason
from models.tables import Application, Council, Membership


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


END_REASON_MAX = 1000


async def current_membership_councils(session: AsyncSession, today: date) -> list[int]:
    """Ids of the councils with a membership covering `today` that has not been ended early."""
    rows = await session.exec(
        select(Membership.council_id).where(
            col(Membership.starts_on) <= today,
            col(Membership.ends_on) >= today,
            col(Membership.ended_at).is_(None),
        )
    )
    return sorted(set(rows.all()))


@dataclass(frozen=True)
class Ended:
    membership: Membership
    council: Council


async def end_membership(
    session: AsyncSession,
    *,
    council_id: int,
    reason: str,
    actor: str,
    staff: Collection[str],
    now: datetime,
    today: date,
) -> Ended:
    """End a council's current membership early (it rescinded its motion), with the reason:
    it leaves the public register and gets no more renewal nags. Staff only."""
    require_staff(actor, staff, Task.END_MEMBERSHIP)
    reason = reason.strip()
    council = await session.get(Council, council_id)
    if council is None:
        raise Refused(Refusal.NOT_FOUND, thing=Thing.MEMBERSHIP)
    if not reason or len(reason) > END_REASON_MAX:
        raise Refused(Refusal.BAD_REASON, field="reason", limit=END_REASON_MAX)
    # Every term still to come ends too: a renewal already approved rests on the same motion.
    terms = (
        await session.exec(
            select(Membership)
            .where(
                Membership.council_id == council_id,
                col(Membership.ends_on) >= today,
                col(Membership.ended_at).is_(None),
            )
            .order_by(col(Membership.starts_on))
            .with_for_update()
        )
    ).all()
    current = next((m for m in terms if m.starts_on <= today), None)
    if current is None:
        raise Refused(Refusal.NO_CURRENT_MEMBERSHIP, council=council.name)
    for term in terms:
        term.ended_at, term.ended_by, term.end_reason = now, actor, reason
        session.add(term)
        audit.about(session, term, at=now, actor=actor).record(
            "membership.ended",
            membership_id=term.id,
            reason=reason,
            starts_on=term.starts_on,
            ends_on=term.ends_on,
        )
    await session.flush()
    return Ended(current, council)


END_USAGE = "end <council> <reason>"


async def end_named_membership(
    session: AsyncSession,
    *,
    text: str,
    actor: str,
    staff: Collection[str],
    now: datetime,
    today: date,
) -> Ended:
    """`end <council> <reason>`: the council is found among current members first."""
    require_staff(actor, staff, Task.END_MEMBERSHIP)
    members = await current_membership_councils(session, today)
    try:
        council, reason = await council_then_reason(session, text, members, END_USAGE)
    except Refused:
        council, reason = await council_then_reason(session, text, None, END_USAGE)
    assert council.id is not None
    return await end_membership(
        session,
        council_id=council.id,
        reason=reason,
        actor=actor,
        staff=staff,
        now=now,
        today=today,
    )
