"""Finding a council by what people type: part of its name, or its exact code."""

from __future__ import annotations

from sqlmodel import col, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import Council

MAX_MATCHES = 20


async def find_councils(session: AsyncSession, query: str) -> list[Council]:
    """Councils whose code is `query` (any case) or whose name contains it, by name.

    An exact code or exact name wins outright, so "York" does not also offer "North Yorkshire".
    """
    words = query.strip()
    if not words:
        return []
    lowered = words.lower()
    rows = list(
        (
            await session.exec(
                select(Council)
                .where(
                    or_(
                        func.lower(col(Council.code)) == lowered,
                        func.lower(col(Council.name)).contains(lowered, autoescape=True),
                    )
                )
                .order_by(col(Council.name))
                .limit(MAX_MATCHES + 1)
            )
        ).all()
    )
    exact = [c for c in rows if c.code.lower() == lowered or c.name.lower() == lowered]
    return exact or rows
