"""Where a council's application or membership stands (`/sanctuary status <council>`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import councils
from bot.services.applications import ApplicationView, load_view
from models.tables import Application, Council, Membership

MAX_COUNCILS = 10


@dataclass(frozen=True)
class CouncilStatus:
    council: Council
    application: ApplicationView | None  # the latest application
    applications: int  # how many it has made in all
    memberships: tuple[Membership, ...]  # newest first


async def find_councils(session: AsyncSession, text: str) -> list[Council]:
    """Councils known to the bot whose name matches `text`, as the picker matches them."""
    ranked = [m.authority.gss for m in councils.search(text)]
    known = list((await session.exec(select(Council))).all())
    by_code = {c.code: c for c in known}
    found = [by_code[code] for code in ranked if code in by_code]
    query = councils.core(text) or councils.normalise(text)
    if query:
        # Councils entered by name (and any the list spells differently): match their names.
        extra = [
            c
            for c in known
            if c not in found
            and (query in councils.normalise(c.name) or query in councils.core(c.name))
        ]
        exact = [c for c in extra if councils.core(c.name) == query]
        found += exact + sorted((c for c in extra if c not in exact), key=lambda c: c.name)
    return found


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
