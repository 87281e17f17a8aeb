"""The public register (DESIGN.md section 5): current member councils, never a contact detail."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.links import is_public_url
from models.tables import Application, Council, Membership


@dataclass(frozen=True)
class RegisterEntry:
    """One member council as the public may see it."""

    council: str
    code: str
    since: date  # the start of the unbroken chain of terms that covers today
    until: date  # the end of the current term
    strategy_url: str | None


def chain_start(terms: list[tuple[date, date]], current_start: date) -> date:
    """The earliest start of the terms that lead without a gap into the one starting on
    `current_start` (a term continues another if it starts by the day after the other ends)."""
    since = current_start
    moved = True
    while moved:
        moved = False
        for starts, ends in terms:
            if starts < since <= ends + timedelta(days=1):
                since = starts
                moved = True
    return since


async def current_members(session: AsyncSession, today: date) -> list[RegisterEntry]:
    """Councils with a membership covering `today`, alphabetical by name (two queries)."""
    rows = (
        await session.exec(
            select(Membership, Council, Application.strategy_url)
            .join(Council, col(Council.id) == col(Membership.council_id))
            .outerjoin(Application, col(Application.id) == col(Membership.application_id))
            .where(*_on_the_register(today))
        )
    ).all()
    current: dict[int, tuple[Membership, Council, str | None]] = {}
    for membership, council, application_url in rows:
        assert council.id is not None
        held = current.get(council.id)
        if held is None or membership.ends_on > held[0].ends_on:
            current[council.id] = (membership, council, membership.strategy_url or application_url)
    if not current:
        return []
    earlier = (
        await session.exec(
            select(
                col(Membership.council_id), col(Membership.starts_on), col(Membership.ends_on)
            ).where(
                col(Membership.council_id).in_(list(current)),
                col(Membership.starts_on) <= today,
                col(Membership.ended_at).is_(None),
            )
        )
    ).all()
    terms: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for council_id, starts, ends in earlier:
        terms[council_id].append((starts, ends))
    entries = [
        RegisterEntry(
            council=council.name,
            code=council.code,
            since=chain_start(terms[council_id], membership.starts_on),
            until=membership.ends_on,
            strategy_url=url if is_public_url(url) else None,
        )
        for council_id, (membership, council, url) in current.items()
    ]
    return sorted(entries, key=lambda e: (e.council.casefold(), e.code))


async def member_count(session: AsyncSession, today: date) -> int:
    """How many councils `current_members` lists, in one counting query (Home shows it on every
    render: it must not load and check the whole register)."""
    counted = select(func.count(func.distinct(Membership.council_id)))
    return int((await session.exec(counted.where(*_on_the_register(today)))).one())


def _on_the_register(today: date) -> tuple[ColumnElement[bool], ...]:
    """A membership that puts its council on the register `today`: its term covers the day and
    it was not ended early."""
    return (
        col(Membership.starts_on) <= today,
        col(Membership.ends_on) >= today,
        col(Membership.ended_at).is_(None),
    )


def as_records(entries: list[RegisterEntry]) -> list[dict[str, str | None]]:
    """The register as plain records (CSV rows, JSON objects): the public fields only. A council
    without a strategy link has `None` (JSON null; an empty cell in CSV)."""
    return [
        {
            "council": e.council,
            "code": e.code,
            "since": e.since.isoformat(),
            "until": e.until.isoformat(),
            "strategy_url": e.strategy_url,
        }
        for e in entries
    ]


REGISTER_FIELDS = ("council", "code", "since", "until", "strategy_url")
