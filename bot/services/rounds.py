"""The application's current review round and its decision: the two queries every rule needs."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import Application, Decision, ReviewRound


async def current_round(session: AsyncSession, application: Application) -> ReviewRound | None:
    return (
        await session.exec(
            select(ReviewRound).where(
                ReviewRound.application_id == application.id,
                ReviewRound.number == application.current_round,
            )
        )
    ).first()


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
