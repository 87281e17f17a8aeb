"""Finding a council the bot knows by what people type, the same way everywhere
(`status`, `history`, `decide`): as the council picker matches names, or by its exact code."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import councils
from models.tables import Council


async def find_councils(session: AsyncSession, text: str) -> list[Council]:
    """Known councils matching `text`, best first.

    An exact code (any case) wins outright. Otherwise councils on the official list come in the
    picker's order ("B&H" finds Brighton and Hove), then councils entered by name whose name
    contains what was typed, an exact name first.
    """
    typed = text.strip()
    if not typed:
        return []
    # Councils are bounded (the UK's ~400 plus the town and parish councils that applied).
    known = list((await session.exec(select(Council))).all())
    exact_code = [c for c in known if c.code.lower() == typed.lower()]
    if exact_code:
        return exact_code
    by_code = {c.code: c for c in known}
    found = [by_code[m.authority.gss] for m in councils.search(typed) if m.authority.gss in by_code]
    query = councils.core(typed) or councils.normalise(typed)
    if query:
        extra = [
            c
            for c in known
            if c not in found
            and (query in councils.normalise(c.name) or query in councils.core(c.name))
        ]
        exact = [c for c in extra if councils.core(c.name) == query]
        found += exact + sorted((c for c in extra if c not in exact), key=lambda c: c.name)
    return found
