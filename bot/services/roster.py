"""The working-group roster (DESIGN.md section 3): staff add and remove members.

Removal is soft (`Member.active=False`), so past votes keep their author in the history.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.constituencies import CONSTITUENCIES, check_keyword
from bot.domain.refusals import Refusal, Refused, Task, require_staff
from bot.services import audit
from models.tables import Member


class RosterChange(StrEnum):
    ADDED = "added"
    MOVED = "moved"  # was in another constituency
    REACTIVATED = "reactivated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class AddResult:
    member: Member
    change: RosterChange
    previous_constituency: str | None


async def add_member(
    session: AsyncSession,
    *,
    user_id: str,
    keyword: str,
    actor: str,
    staff: Collection[str],
    now: datetime,
    display_name: str | None = None,
) -> AddResult:
    """Add a member, move them to another constituency, or reactivate a removed member."""
    require_staff(actor, staff, Task.CHANGE_ROSTER)
    constituency = check_keyword(keyword)
    member = (await session.exec(select(Member).where(Member.slack_user_id == user_id))).first()
    previous: str | None = None
    if member is None:
        member = Member(
            slack_user_id=user_id,
            constituency=constituency,
            display_name=display_name,
            added_by=actor,
            added_at=now,
        )
        change = RosterChange.ADDED
    else:
        previous = member.constituency
        if not member.active:
            change = RosterChange.REACTIVATED
        elif member.constituency != constituency:
            change = RosterChange.MOVED
        else:
            change = RosterChange.UNCHANGED
        member.constituency = constituency
        member.active = True
        member.removed_at = None
        if display_name:
            member.display_name = display_name
        if change is not RosterChange.UNCHANGED:
            member.added_by = actor
            member.added_at = now
    session.add(member)
    await session.flush()
    if change is not RosterChange.UNCHANGED:
        audit.Trail(session, at=now, actor=actor).record(
            "member.added",
            member=user_id,
            constituency=constituency,
            previous_constituency=previous,
            change=str(change),
        )
    return AddResult(member, change, previous)


async def remove_member(
    session: AsyncSession, *, user_id: str, actor: str, staff: Collection[str], now: datetime
) -> Member:
    """Deactivate a member; their past votes stay. Refused if they are not on the roster."""
    require_staff(actor, staff, Task.CHANGE_ROSTER)
    member = (
        await session.exec(
            select(Member).where(Member.slack_user_id == user_id, col(Member.active).is_(True))
        )
    ).first()
    if member is None:
        raise Refused(Refusal.NOT_ON_ROSTER, user=user_id)
    member.active = False
    member.removed_at = now
    session.add(member)
    trail = audit.Trail(session, at=now, actor=actor)
    trail.record("member.removed", member=user_id, constituency=member.constituency)
    return member


async def active_members(session: AsyncSession) -> list[Member]:
    """Active members, in roster order of constituency then when they were added."""
    rows = (
        await session.exec(
            select(Member).where(col(Member.active).is_(True)).order_by(col(Member.added_at))
        )
    ).all()
    order = {k: i for i, k in enumerate(CONSTITUENCIES)}
    return sorted(rows, key=lambda m: order.get(m.constituency, len(order)))


async def active_member(session: AsyncSession, user_id: str) -> Member | None:
    return (
        await session.exec(
            select(Member).where(Member.slack_user_id == user_id, col(Member.active).is_(True))
        )
    ).first()
