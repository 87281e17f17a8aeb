"""Writing an import of existing members: idempotent, in the caller's one transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.importer import ImportRow
from bot.services import audit
from models.tables import Council, Membership

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportSummary:
    created: int  # memberships added
    unchanged: int  # already there (same council and start): left as they are
    new_councils: int


async def import_memberships(
    session: AsyncSession,
    rows: tuple[ImportRow, ...],
    *,
    now: datetime,
    actor: str = "cli",
    progress: Progress | None = None,
) -> ImportSummary:
    """Add the memberships in `rows` that are not there yet (matched by council and start).

    Terms that follow one another without a gap are linked as renewals. Every membership added
    is audited as `membership.imported`. Nothing is committed here.
    """
    codes = sorted({row.council.code for row in rows})
    councils = {
        c.code: c
        for c in (await session.exec(select(Council).where(col(Council.code).in_(codes)))).all()
    }
    terms: dict[int, list[Membership]] = defaultdict(list)
    if councils:
        existing = (
            await session.exec(
                select(Membership).where(
                    col(Membership.council_id).in_([c.id for c in councils.values()])
                )
            )
        ).all()
        for membership in existing:
            terms[membership.council_id].append(membership)
    created = unchanged = new_councils = 0
    for done, row in enumerate(rows, start=1):
        council = councils.get(row.council.code)
        if council is None:
            council = Council(
                code=row.council.code,
                name=row.council.name,
                authority_type=row.council.authority_type,
                nation=row.council.nation,
                region=row.council.region,
                created_at=now,
            )
            session.add(council)
            await session.flush()
            councils[council.code] = council
            new_councils += 1
        assert council.id is not None
        if any(m.starts_on == row.starts_on for m in terms[council.id]):
            unchanged += 1
        else:
            membership = Membership(
                council_id=council.id,
                starts_on=row.starts_on,
                ends_on=row.ends_on,
                created_at=now,
                source="import",
                strategy_url=row.strategy_url,
            )
            session.add(membership)
            await session.flush()
            terms[council.id].append(membership)
            created += 1
            audit.about(session, council, at=now, actor=actor).record(
                "membership.imported",
                membership_id=membership.id,
                starts_on=row.starts_on,
                ends_on=row.ends_on,
                motion_date=row.motion_date,
                charter_date=row.charter_date,
                line=row.line,
            )
        if progress is not None:
            progress(done, len(rows))
    for memberships in terms.values():
        _link_renewals(session, memberships)
    return ImportSummary(created, unchanged, new_councils)


def _link_renewals(session: AsyncSession, memberships: list[Membership]) -> None:
    by_start: dict[date, Membership] = {m.starts_on: m for m in memberships}
    for membership in memberships:
        follower = by_start.get(membership.ends_on + timedelta(days=1))
        if follower is not None and membership.renewed_by_id is None:
            membership.renewed_by_id = follower.id
            session.add(membership)
