"""Finding a council the bot knows by what people type, the same way everywhere
(`status`, `history`, `decide`): as the council picker matches names, or by its exact code.

Every query is narrowed by the (unique, indexed) council code, so finding a council costs the
same however many councils have applied.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import councils
from bot.domain.refusals import Refusal, Refused
from models.tables import Council

# Codes of councils entered by name sort between these two (":" + 1 == ";").
_LOCAL_FIRST, _LOCAL_AFTER = councils.LOCAL_PREFIX, councils.LOCAL_PREFIX[:-1] + ";"


async def find_councils(session: AsyncSession, text: str) -> list[Council]:
    """Known councils matching `text`, best first.

    An exact code (any case) wins outright. Otherwise councils on the official list come in the
    picker's order ("B&H" finds Brighton and Hove), then councils entered by name whose name
    contains what was typed, an exact name first.
    """
    typed = text.strip()
    if not typed:
        return []
    spellings = {typed, typed.upper(), typed.lower()}
    exact_code = (await session.exec(select(Council).where(col(Council.code).in_(spellings)))).all()
    if exact_code:
        return list(exact_code)
    ranked = [m.authority.gss for m in councils.search(typed) if m.authority.gss]
    on_list = (await session.exec(select(Council).where(col(Council.code).in_(ranked)))).all()
    by_code = {c.code: c for c in on_list}
    found = [by_code[code] for code in ranked if code in by_code]
    query = councils.core(typed) or councils.normalise(typed)
    if query:
        word = query.split()[0]
        local = (
            await session.exec(
                select(Council).where(
                    col(Council.code) >= _LOCAL_FIRST,
                    col(Council.code) < _LOCAL_AFTER,
                    func.lower(col(Council.name)).contains(word, autoescape=True),
                )
            )
        ).all()
        extra = [
            c
            for c in local
            if query in councils.normalise(c.name) or query in councils.core(c.name)
        ]
        exact = [c for c in extra if councils.core(c.name) == query]
        found += exact + sorted((c for c in extra if c not in exact), key=lambda c: c.name)
    return found


# Councils' names are rarely longer than this many words; a longer prefix is not tried.
_MAX_NAME_WORDS = 10
_PUNCTUATION = ":,;—–- "


async def council_then_reason(
    session: AsyncSession, text: str, among: Collection[int] | None, usage: str
) -> tuple[Council, str]:
    """The council that `text` names first (one of `among`, by id), and the words after it
    (`Sheffield the council rescinded its motion`); the longest name that fits wins (`among`
    None: any council that has applied). Refused
    (WHICH_COUNCIL, naming `usage`) when no single council of `among` is named first."""
    words = text.split()
    choices: list[str] = []
    for count in range(min(len(words) - 1, _MAX_NAME_WORDS), 0, -1):
        named = " ".join(words[:count]).strip(_PUNCTUATION)
        if not named:
            continue
        found = [c for c in await find_councils(session, named) if among is None or c.id in among]
        if len(found) == 1:
            return found[0], " ".join(words[count:]).strip(_PUNCTUATION)
        if len(found) > 1 and not choices:
            choices = [c.name for c in found[:5]]
    raise Refused(Refusal.WHICH_COUNCIL, words=text, choices=choices, usage=usage)
