"""The public register: who is on it, from when, and how a long list is cut."""

from __future__ import annotations

import json
from datetime import date, timedelta

from bot.blocks.register import build_register
from bot.blocks.register_page import render_csv, render_html, render_json
from bot.domain.clock import FixedClock
from bot.services.register import RegisterEntry, chain_start, current_members, member_count
from bot.standin.server import validate_blocks
from models.db import SessionFactory, transaction
from tests.network_data import HOSTILE_NAME, HOSTILE_URL, membership, seed_network


async def test_current_members_only_alphabetical_with_unbroken_since(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    now = clock.now()
    async with transaction(sessions) as session:
        await seed_network(session, now)
    async with sessions() as session:
        entries = await current_members(session, now.date())
    names = [e.council for e in entries]
    assert names == sorted(names, key=str.casefold)
    assert "Bradford Metropolitan District Council" not in names  # lapsed
    assert set(names) == {HOSTILE_NAME, "Leeds City Council", "Sheffield City Council"}
    leeds = next(e for e in entries if e.code == "E08000035")
    assert leeds.since == date(2022, 1, 10)  # two terms without a gap
    assert leeds.until == date(2028, 1, 9)
    sheffield = next(e for e in entries if e.code == "E08000019")
    assert sheffield.strategy_url == "https://www.example.gov.uk/sanctuary-strategy"
    # Home's count is the register's length (Leeds's two terms are one council).
    async with sessions() as session:
        assert await member_count(session, now.date()) == len(entries) == 3


async def test_a_gap_starts_a_new_chain_and_the_last_day_still_counts(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    from tests import factories

    now = clock.now()
    today = now.date()
    async with transaction(sessions) as session:
        york = await factories.council(session, code="E06000014", name="York", at=now)
        await membership(session, york, date(2020, 1, 1), date(2022, 12, 31), at=now)
        await membership(session, york, date(2023, 2, 1), today, at=now)
        ended = await factories.council(session, code="E06000001", name="Hartlepool", at=now)
        await membership(session, ended, date(2023, 1, 1), today - timedelta(days=1), at=now)
        future = await factories.council(session, code="E06000002", name="Middlesbrough", at=now)
        await membership(session, future, today + timedelta(days=1), date(2030, 1, 1), at=now)
    async with sessions() as session:
        entries = await current_members(session, today)
    assert [(e.council, e.since, e.until) for e in entries] == [("York", date(2023, 2, 1), today)]


def test_chain_start_follows_continuing_terms_only() -> None:
    terms = [(date(2017, 1, 1), date(2019, 12, 31)), (date(2020, 1, 1), date(2022, 12, 31))]
    assert chain_start([*terms, (date(2023, 1, 1), date(2025, 12, 31))], date(2023, 1, 1)) == (
        date(2017, 1, 1)
    )
    assert chain_start(terms, date(2023, 1, 2)) == date(2023, 1, 2)


def _entries(n: int) -> list[RegisterEntry]:
    return [
        RegisterEntry(
            council=f"Council number {i:04d} with quite a long official name",
            code=f"E0{i:07d}",
            since=date(2024, 1, 1),
            until=date(2027, 1, 1),
            strategy_url=f"https://example.gov.uk/{i}/strategy-document-with-a-long-address",
        )
        for i in range(n)
    ]


def test_a_long_register_is_cut_within_block_kit_limits_with_and_n_more() -> None:
    text, blocks = build_register(_entries(900), today=date(2026, 3, 2))
    dicts = [b.to_dict() for b in blocks]
    assert validate_blocks(dicts, limit=50) == []
    rendered = str(dicts)
    shown = sum(1 for i in range(900) if f"Council number {i:04d}" in rendered)
    assert 0 < shown < 900
    assert f"and {900 - shown} more" in rendered
    assert "900 member councils" in text


def test_a_short_register_shows_everyone_and_an_empty_one_says_so() -> None:
    _text, blocks = build_register(_entries(3), today=date(2026, 3, 2))
    assert "more" not in str([b.to_dict() for b in blocks])
    text, blocks = build_register([], today=date(2026, 3, 2))
    assert "no member councils" in text


def test_html_escapes_hostile_names_and_links_and_has_no_script() -> None:
    entry = RegisterEntry(HOSTILE_NAME, "local:x", date(2024, 1, 1), date(2027, 1, 1), HOSTILE_URL)
    page = render_html([entry], today=date(2026, 3, 2))
    assert "<script" not in page
    assert "&lt;script&gt;" in page
    assert 'lang="en-GB"' in page and 'name="viewport"' in page
    assert "<caption>" in page and 'scope="col"' in page and 'scope="row"' in page
    assert "2 March 2026" in page  # last updated
    assert json.loads(render_json([entry], today=date(2026, 3, 2)))["members"][0]["council"] == (
        HOSTILE_NAME
    )
    assert render_csv([entry]).splitlines()[0] == "council,code,since,until,strategy_url"


def test_a_missing_strategy_link_is_null_in_json_and_an_empty_cell_in_csv() -> None:
    entry = RegisterEntry("York", "E06000014", date(2024, 1, 1), date(2027, 1, 1), None)
    assert json.loads(render_json([entry], today=date(2026, 3, 2)))["members"][0] == {
        "council": "York",
        "code": "E06000014",
        "since": "2024-01-01",
        "until": "2027-01-01",
        "strategy_url": None,
    }
    assert render_csv([entry]).splitlines()[1] == "York,E06000014,2024-01-01,2027-01-01,"
