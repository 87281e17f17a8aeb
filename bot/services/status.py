"""Where a council's application or membership stands (`/sanctuary status <council>`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.applications import ApplicationView, load_view
from models.tables import Application, Council, Membership

MAX_COUNCILS = 10


@dataclass(frozen=True)
class CouncilStatus:
    council: Council
    application: ApplicationView | None  # the latest application
    applications: int  # how many it has made in all
    memberships: tuple[Membership, ...]  # newest first


async def council_status(session: AsyncSession, council: Council) -> CouncilStatus:
    applications = list(
        (
            await session.exec(
                select(Application.id)
                .where(Application.council_id == council.id)
                .order_by(col(Application.id).desc())
            )
        ).all()
    )
    view = await load_view(session, int(applications[0] or 0)) if applications else None
    memberships = (
        await session.exec(
            select(Membership)
            .where(Membership.council_id == council.id)
            .order_by(col(Membership.ends_on).desc())
        )
    ).all()
    return CouncilStatus(council, view, len(applications), tuple(memberships))
