"""One way to find a council, used by `status`, `history` and `decide` alike."""

from __future__ import annotations

import pytest

from bot.services.councils import find_councils
from models.db import SessionFactory, transaction
from tests import factories
from tests.conftest import START


@pytest.fixture
async def known(sessions: SessionFactory) -> SessionFactory:
    async with transaction(sessions) as session:
        await factories.council(
            session, code="E06000043", name="Brighton and Hove City Council", at=START
        )
        await factories.council(session, code="E08000019", name="Sheffield City Council", at=START)
        await factories.council(
            session, code="local:hebden-royd", name="Hebden Royd Town Council", at=START
        )
    return sessions


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("B&H", ["Brighton and Hove City Council"]),
        ("brighton", ["Brighton and Hove City Council"]),
        ("e06000043", ["Brighton and Hove City Council"]),
        ("sheff", ["Sheffield City Council"]),
        ("Hebden Royd", ["Hebden Royd Town Council"]),
        ("  ", []),
        ("Atlantis", []),
    ],
)
async def test_councils_are_found_as_the_picker_finds_them(
    known: SessionFactory, typed: str, expected: list[str]
) -> None:
    async with known() as session:
        assert [c.name for c in await find_councils(session, typed)] == expected


def test_entities_are_decoded_once() -> None:
    from bot.domain.escape import unescape_entities

    assert unescape_entities("B&amp;H") == "B&H"
    assert unescape_entities("&lt;@U123&gt;") == "<@U123>"
    assert unescape_entities("&amp;lt;") == "&lt;"
    assert unescape_entities("<@U0ABC|amira> lived") == "<@U0ABC|amira> lived"


def test_numbers_from_people_and_payloads_are_parsed_safely() -> None:
    from bot.domain.escape import parse_id

    assert parse_id(" 42 ") == 42
    assert parse_id("²") is None  # a digit to str.isdigit, not to int()
    assert parse_id("١٢") is None  # Arabic-Indic digits
    assert parse_id("1234567890") is None  # would not fit a database INTEGER
    assert parse_id("-5") is None and parse_id("") is None
