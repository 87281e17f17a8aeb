"""Nothing dangerous leaves the bot (issue 13, item 5): no CSV cell a spreadsheet would run, and
no web address that is not a plain public one, on the form, in `import` or on the register."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import date, timedelta
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
from tests.e2e.test_registration import answers, open_modal, submit
from tests.network_data import membership

FORMULA = '=HYPERLINK("https://evil.example/x","Open")'
RUNS = ("=", "+", "-", "@", "\t", "\r")

NOT_PUBLIC = {
    "https://www.sheffield.gov.uk@evil.example/minutes": "before @",
    "http://10.0.0.5/admin": "IP",
    "https://www.sheffield.gov.uk\\minutes": "backslash",
    "http://0x7f.1/": "IP",
    "http://[::1]/minutes": "IP",
    "http://intranet/minutes": "public site name",
}


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> None:
    monkeypatch.chdir(tmp_path)  # no .env is read from the developer's directory
    monkeypatch.setenv("DATABASE_URL", database_url)


async def _cli(*argv: str) -> int:
    return await asyncio.to_thread(cli.main, list(argv))


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


async def test_a_formula_in_a_council_name_is_plain_text_in_every_csv(
    cli_env: None,
    tmp_path: Path,
    slack: SignedSlackClient,
    standin: SlackStandIn,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A member imported under that name, and an application registered under another one.
    members = tmp_path / "members.csv"
    quoted = FORMULA.replace('"', '""')
    members.write_text(f'council,member_since\n"local:{quoted}",2025-01-01\n', encoding="utf-8")
    assert await _cli("import", str(members)) == 0
    view = await open_modal(slack, standin)
    assert await submit(slack, view, answers(council_other="@SUM(1+1) Town Council")) is None
    await standin.wait_until(lambda: len(standin.messages()) == 1)
    capsys.readouterr()

    assert await _cli("export", "--format", "csv") == 0
    register = _cells(capsys.readouterr().out)
    assert register[0] == ["council", "code", "since", "until", "strategy_url"]
    assert [row[0] for row in register[1:]] == ["'" + FORMULA]  # shown as typed, never run

    assert await _cli("export", "--audit") == 0
    audit = _cells(capsys.readouterr().out)
    names = [row[3] for row in audit[1:]]
    assert names.count("'" + FORMULA) >= 1
    assert names.count("'@SUM(1+1) Town Council") >= 2  # registered, posted
    for row in [*register, *audit]:
        for cell in row:
            assert not cell.startswith(RUNS), cell

    # JSON is not run by spreadsheets: the name is there exactly as typed.
    assert await _cli("export", "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)["members"][0]["council"] == FORMULA


async def test_the_form_accepts_only_plain_public_web_addresses(
    slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    for url, said in NOT_PUBLIC.items():
        for field in ("motion_url", "strategy_url", "joint_work_url", "endorsement_url"):
            view = await open_modal(slack, standin)
            errors = await submit(
                slack, view, answers(council_other="Frome Town Council", **{field: url})
            )
            assert errors is not None and set(errors) == {field}, (url, field, errors)
            assert said in errors[field], (url, errors[field])
    assert standin.messages() == []
    view = await open_modal(slack, standin)
    good = "https://democracy.frome-tc.gov.uk/mgIssueHistoryHome.aspx?IId=1&Opt=0"
    assert (
        await submit(slack, view, answers(council_other="Frome Town Council", motion_url=good))
        is None
    )


async def test_import_refuses_web_addresses_that_are_not_public(
    cli_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    members = tmp_path / "members.csv"
    lines = "".join(
        f'local:Council {n} Town Council,2025-01-01,"{url}"\n'
        for n, url in enumerate(NOT_PUBLIC, start=2)
    )
    members.write_text("council,member_since,strategy_url\n" + lines, encoding="utf-8")
    assert await _cli("import", str(members)) == 1
    err = capsys.readouterr().err
    for line, said in enumerate(NOT_PUBLIC.values(), start=2):
        problem = next(p for p in err.splitlines() if f": line {line}: " in p)
        assert "strategy_url" in problem and "not a public http(s) link" in problem
        assert said in problem, problem
    assert f"Nothing imported: {len(NOT_PUBLIC)} problems to fix first." in err


async def test_the_register_links_only_plain_public_web_addresses(
    bot: Runtime,
    slack: SignedSlackClient,
    standin: SlackStandIn,
    sessions: SessionFactory,
    clock: FixedClock,
) -> None:
    """Links stored before this rule (or by hand) are shown as "not published", never linked."""
    today = clock.now().date()
    async with transaction(sessions) as session:
        for n, url in enumerate([*NOT_PUBLIC, "https://www.frome-tc.gov.uk/sanctuary"]):
            council = await factories.council(
                session, code=f"local:c{n}", name=f"Council {n} Town Council", at=clock.now()
            )
            await membership(
                session,
                council,
                today - timedelta(days=10),
                date(2028, 1, 1),
                at=clock.now(),
                strategy_url=url,
                source="import",
            )
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{bot.url}/network") as response:
            page = await response.text()
        async with http.get(f"{bot.url}/network.json") as response:
            data = await response.json()
    assert page.count("<a href=") == 2  # the good strategy, and the JSON version of the page
    assert 'href="https://www.frome-tc.gov.uk/sanctuary"' in page
    assert page.count("Not published") == len(NOT_PUBLIC)
    # A link that is not published is JSON null, as a missing one is.
    assert [m["strategy_url"] for m in data["members"]] == [None] * len(NOT_PUBLIC) + [
        "https://www.frome-tc.gov.uk/sanctuary"
    ]
    await slack.slash_command(OUTSIDER, "list")
    await standin.wait_until(lambda: bool(standin.responses()))
    body = standin.responses()[-1].body
    shown = render_blocks_as_text(body["text"], body.get("blocks"))
    assert "evil.example" not in json.dumps(body) and "10.0.0.5" not in json.dumps(body)
    assert "Council 6 Town Council" in shown
