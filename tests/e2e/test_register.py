"""The public register on all its surfaces: never a lapsed council, never a contact detail."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from bot import cli
from bot.domain.clock import FixedClock
from bot.runtime import Runtime
from bot.standin import SignedSlackClient, SlackStandIn, render_blocks_as_text
from models.db import SessionFactory, transaction
from tests import factories
from tests.conftest import OUTSIDER
from tests.network_data import (
    CONTACT_VALUES,
    HOSTILE_NAME,
    HOSTILE_URL,
    membership,
    seed_network,
)

LAPSED = "Bradford Metropolitan District Council"


async def _seed(sessions: SessionFactory, clock: FixedClock) -> None:
    async with transaction(sessions) as session:
        await seed_network(session, clock.now())


def _assert_public(text: str) -> None:
    assert "Sheffield City Council" in text and "Leeds City Council" in text
    assert LAPSED not in text
    for value in CONTACT_VALUES:
        assert value not in text, value


async def test_sanctuary_list_shows_current_members_to_anyone(
    bot: Runtime,
    slack: SignedSlackClient,
    standin: SlackStandIn,
    sessions: SessionFactory,
    clock: FixedClock,
) -> None:
    await _seed(sessions, clock)
    await slack.slash_command(OUTSIDER, "list")
    await standin.wait_until(lambda: bool(standin.responses()))
    body = standin.responses()[-1].body
    assert body["response_type"] == "ephemeral"
    raw = json.dumps(body)
    shown = render_blocks_as_text(body["text"], body.get("blocks"))
    _assert_public(shown)
    assert "3 member councils" in shown
    assert shown.index("Leeds City Council") < shown.index("Sheffield City Council")
    assert "<!channel>" not in raw  # the hostile name cannot ping the channel
    assert "since 10 January 2022" in shown  # Leeds: two terms without a gap


async def test_network_page_is_plain_accessible_html(
    bot: Runtime, sessions: SessionFactory, clock: FixedClock
) -> None:
    await _seed(sessions, clock)
    async with aiohttp.ClientSession() as http, http.get(f"{bot.url}/network") as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        page = await response.text()
    _assert_public(page)
    assert '<html lang="en-GB">' in page
    assert '<meta name="viewport"' in page
    assert "<caption>" in page and '<th scope="col">Council</th>' in page
    assert "<script" not in page  # neither ours nor the hostile council's
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Sons &lt;!channel&gt;" in page
    assert HOSTILE_URL not in page
    # A stored link that is not a plain public address is not linked at all.
    assert 'href="https://evil.example' not in page
    assert "Not published" in page
    assert "Last updated" in page and "2 March 2026" in page


async def test_network_json_lists_the_public_fields_only(
    bot: Runtime, sessions: SessionFactory, clock: FixedClock
) -> None:
    await _seed(sessions, clock)
    async with aiohttp.ClientSession() as http, http.get(f"{bot.url}/network.json") as response:
        assert response.status == 200
        data = await response.json()
    _assert_public(json.dumps(data, ensure_ascii=False))
    assert data["count"] == 3
    assert data["updated"] == "2026-03-02"
    assert {tuple(sorted(m)) for m in data["members"]} == {
        ("code", "council", "since", "strategy_url", "until")
    }
    assert [m["council"] for m in data["members"]][1:] == [
        "Leeds City Council",
        "Sheffield City Council",
    ]
    assert data["members"][0]["council"] == HOSTILE_NAME


async def test_network_json_gives_null_for_a_council_without_a_strategy_link(
    bot: Runtime, sessions: SessionFactory, clock: FixedClock
) -> None:
    async with transaction(sessions) as session:
        york = await factories.council(session, code="E06000014", name="York", at=clock.now())
        today = clock.now().date()
        await membership(
            session, york, today, today + timedelta(days=900), at=clock.now(), strategy_url=None
        )
    async with aiohttp.ClientSession() as http, http.get(f"{bot.url}/network.json") as response:
        data = await response.json()
    assert data["members"] == [
        {
            "council": "York",
            "code": "E06000014",
            "since": today.isoformat(),
            "until": (today + timedelta(days=900)).isoformat(),
            "strategy_url": None,
        }
    ]


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> None:
    monkeypatch.chdir(tmp_path)  # no .env is read from the developer's directory
    monkeypatch.setenv("DATABASE_URL", database_url)


async def test_export_csv_and_json(
    cli_env: None,
    sessions: SessionFactory,
    clock: FixedClock,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    await _seed(sessions, clock)
    status = await asyncio.to_thread(cli.main, ["export", "--format", "csv", "--on", "2026-03-02"])
    out = capsys.readouterr().out
    assert status == 0
    _assert_public(out)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["council"] for r in rows][1:] == ["Leeds City Council", "Sheffield City Council"]
    assert rows[1] == {
        "council": "Leeds City Council",
        "code": "E08000035",
        "since": "2022-01-10",
        "until": "2028-01-09",
        "strategy_url": "https://www.example.gov.uk/strategy",
    }
    target = tmp_path / "register.json"
    status = await asyncio.to_thread(
        cli.main, ["export", "--format", "json", "--on", "2026-03-02", "--output", str(target)]
    )
    assert status == 0
    text = target.read_text(encoding="utf-8")
    _assert_public(text)
    assert json.loads(text)["count"] == 3
