"""Memberships built directly in the database, for tests of what comes after a decision."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.terms import TERM_YEARS, years_later
from models.db import SessionFactory, transaction
from models.tables import ApplicationStatus, Membership
from tests import factories


async def membership(
    session: AsyncSession,
    *,
    ends_on: date,
    at: datetime,
    code: str = "E08000019",
    name: str = "Sheffield City Council",
    registered_by: str | None = "U0STAFF001",
    **evidence: Any,
) -> Membership:
    """A term ending on `ends_on`; from an approved application unless `registered_by` is None
    (then an imported membership, with no application).

    The application was registered, with evidence current then (tests/factories.py `evidence`,
    changed by `evidence`), on the day the term started, as it would have been.
    """
    council = await factories.council(session, code=code, name=name, at=at)
    starts_on = years_later(ends_on, -TERM_YEARS)
    application_id = None
    if registered_by is not None:
        application = await factories.application(
            session,
            at=datetime.combine(starts_on, time(10, 0), tzinfo=at.tzinfo),
            council_row=council,
            registered_by=registered_by,
            **evidence,
        )
        application.status = ApplicationStatus.APPROVED
        application_id = application.id
    row = Membership(
        council_id=council.id,  # type: ignore[arg-type]
        application_id=application_id,
        starts_on=starts_on,
        ends_on=ends_on,
        created_at=at,
        source="application" if registered_by is not None else "import",
        strategy_url="https://www.example.gov.uk/sanctuary-strategy",
    )
    session.add(row)
    await session.flush()
    return row


async def seed(sessions: SessionFactory, **kwargs: object) -> Membership:
    """`membership(...)` in a transaction of its own."""
    async with transaction(sessions) as session:
        return await membership(session, **kwargs)  # type: ignore[arg-type]
