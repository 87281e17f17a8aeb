"""The six constituencies of the working group (DESIGN.md section 3)."""

from __future__ import annotations

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
