"""The six constituencies of the working group (DESIGN.md section 3)."""

from __future__ import annotations

from bot.domain.refusals import Refusal, Refused

CONSTITUENCIES: dict[str, str] = {
    "lived": "lived experience of seeking sanctuary",
    "councillor": "councillors",
    "officer": "council officers",
    "group": "City of Sanctuary groups",
    "national": "the national team",
    "trustee": "trustees",
}


def describe(keyword: str) -> str:
    """The constituency's name as people read it."""
    return CONSTITUENCIES.get(keyword, keyword)


def check_keyword(word: str) -> str:
    """The constituency keyword `word` names (any case); Refused if there is none."""
    found = word.strip().lower()
    if found not in CONSTITUENCIES:
        raise Refused(Refusal.UNKNOWN_KEYWORD, keyword=word)
    return found
