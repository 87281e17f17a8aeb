"""An application's review rounds: one by number, the current one, and the decision on it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import Application, Decision, ReviewRound


async def review_round(
    session: AsyncSession, application_id: int | None, number: int
) -> ReviewRound | None:
    """The application's round `number`."""
    rows = await session.exec(
        select(ReviewRound).where(
            ReviewRound.application_id == application_id, ReviewRound.number == number
        )
    )
    return rows.first()


async def current_round(session: AsyncSession, application: Application) -> ReviewRound | None:
    return await review_round(session, application.id, application.current_round)


async def current_decision(session: AsyncSession, application: Application) -> Decision | None:
    """The decision on the current round, if it is decided."""
    return (
        await session.exec(
            select(Decision).where(
                Decision.application_id == application.id,
                Decision.round == application.current_round,
            )
        )
    ).first()


async def close_current_round(
    session: AsyncSession, application: Application, now: datetime
) -> None:
    """Close the current round (decided, withdrawn, or followed by a new one), once."""
    review_round = await current_round(session, application)
    if review_round is not None and review_round.closed_at is None:
        review_round.closed_at = now
        session.add(review_round)
