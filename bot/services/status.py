"""Where a council's application or membership stands (`/sanctuary status <council>`), as much
as the viewer may see (bot/services/visibility.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.review import Tally
from bot.services.applications import load_view
from bot.services.visibility import Viewer
from models.tables import Application, Council, Decision, Membership, Vote, VoteChoice

MAX_COUNCILS = 10


@dataclass(frozen=True)
class CouncilStatus:
    council: Council
    application: Application | None  # the latest application
    applications: int  # how many it has made in all
    memberships: tuple[Membership, ...]  # newest first
    deadline_at: datetime | None = None  # of the latest application's current round
    decisions: tuple[Decision, ...] = ()  # the latest application's, oldest first
    tally: Tally | None = None  # its current round's; None when the viewer may not see it
    own_vote: VoteChoice | None = None  # the viewer's vote in that round


async def council_status(session: AsyncSession, council: Council, who: Viewer) -> CouncilStatus:
    applications = list(
        (
            await session.exec(
                select(Application.id)
                .where(Application.council_id == council.id)
                .order_by(col(Application.id).desc())
            )
        ).all()
    )
    memberships = (
        await session.exec(
            select(Membership)
            .where(Membership.council_id == council.id)
            .order_by(col(Membership.ends_on).desc())
        )
    ).all()
    status = CouncilStatus(council, None, len(applications), tuple(memberships))
    if not applications:
        return status
    view = await load_view(session, int(applications[0] or 0))
    a = view.application
    own = None
    if who.member_id is not None:
        own = (
            await session.exec(
                select(Vote.choice).where(
                    Vote.application_id == a.id,
                    Vote.round == a.current_round,
                    Vote.member_id == who.member_id,
                )
            )
        ).first()
    return CouncilStatus(
        council,
        a,
        len(applications),
        tuple(memberships),
        deadline_at=view.round.deadline_at if view.round is not None else None,
        decisions=view.decisions,
        tally=view.tally if who.sees_tally else None,
        own_vote=VoteChoice(own) if own is not None else None,
    )
