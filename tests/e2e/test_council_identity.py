"""Councils stay themselves (issue 13, item 4): a town council is not the parish council of the
same place, a council on the official list is not registered again by name, and the codes
stored before are recoded with a list of what staff must check."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot import cli
from bot.domain.clock import FixedClock
from bot.domain.config import Settings
from bot.runtime import start_http
from bot.standin import SignedSlackClient, SlackStandIn, render_blocks_as_text
from models.db import SessionFactory
from models.migrate import alembic_config, upgrade
from models.tables import Application, Council
from tests.conftest import OUTSIDER, SIGNING_SECRET, STAFF
from tests.e2e.test_registration import answers, open_modal, pick, posts, submit

ROOT = Path(__file__).parents[2]


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> None:
    monkeypatch.chdir(tmp_path)  # no .env is read from the developer's directory
    monkeypatch.setenv("DATABASE_URL", database_url)


async def _import(tmp_path: Path, rows: str) -> int:
    members = tmp_path / "members.csv"
    members.write_text("council,member_since\n" + rows, encoding="utf-8")
    return await asyncio.to_thread(cli.main, ["import", str(members)])


async def _register_by_name(
    slack: SignedSlackClient, standin: SlackStandIn, name: str, **more: str
) -> dict[str, str] | None:
    view = await open_modal(slack, standin)
    return await submit(slack, view, answers(council_other=name, **more))


async def _councils(sessions: SessionFactory) -> dict[str, str]:
    async with sessions() as session:
        return {c.code: c.name for c in (await session.exec(select(Council))).all()}


async def test_a_town_council_is_not_the_parish_council_of_the_same_place(
    cli_env: None,
    tmp_path: Path,
    slack: SignedSlackClient,
    standin: SlackStandIn,
    sessions: SessionFactory,
) -> None:
    assert await _import(tmp_path, "local:Ashley Parish Council,2025-01-01\n") == 0

    assert await _register_by_name(slack, standin, "Ashley Town Council") is None
    await standin.wait_until(lambda: len(standin.messages()) == 1)
    [town] = posts(standin)
    assert "New application: Ashley Town Council" in town
    assert "Renewal" not in town and "Ashley Parish" not in town

    # The parish council's own renewal is still its own, and both may be open at once.
    account = {"term_activity": "Welcome events", "guidance_response": "Updated the plan"}
    assert await _register_by_name(slack, standin, "ashley parish council", **account) is None
    await standin.wait_until(lambda: len(standin.messages()) == 2)
    assert "Renewal: Ashley Parish Council" in posts(standin)[1]
    assert await _councils(sessions) == {
        "local:ashley-parish-council": "Ashley Parish Council",
        "local:ashley-town-council": "Ashley Town Council",
    }
    async with sessions() as session:
        kinds = (
            await session.exec(
                select(Council.name, Application.kind)
                .join(Application, col(Application.council_id) == col(Council.id))
                .order_by(col(Application.id))
            )
        ).all()
    assert list(kinds) == [("Ashley Town Council", "new"), ("Ashley Parish Council", "renewal")]


async def test_a_council_on_the_list_typed_by_name_is_sent_to_the_picker(
    slack: SignedSlackClient, standin: SlackStandIn, sessions: SessionFactory
) -> None:
    view = await open_modal(slack, standin)
    assert await submit(slack, view, answers(council=await pick(slack, view, "sheff"))) is None
    await standin.wait_until(lambda: len(standin.messages()) == 1)

    for typed in ("Sheffield City Council", "the sheffield city council", "Sheffield"):
        view = await open_modal(slack, standin)
        errors = await submit(slack, view, answers(council_other=typed))
        assert errors is not None and set(errors) == {"council_other"}, typed
        assert "Sheffield City Council is on the official list: pick it" in errors["council_other"]
    assert len(standin.messages()) == 1  # one identity, one open application

    # A town council of a place whose borough is on the list is not the borough council.
    assert await _register_by_name(slack, standin, "Wokingham Town Council") is None
    await standin.wait_until(lambda: len(standin.messages()) == 2)
    assert "New application: Wokingham Town Council" in posts(standin)[1]
    assert set(await _councils(sessions)) == {"E08000019", "local:wokingham-town-council"}


async def test_import_keeps_councils_apart_and_refuses_a_listed_council_by_name(
    cli_env: None, tmp_path: Path, sessions: SessionFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = "local:Sheffield City Council,2024-01-01\nlocal:Wokingham Borough Council,2024-01-01\n"
    assert await _import(tmp_path, rows) == 1
    err = capsys.readouterr().err
    assert "line 2: 'Sheffield City Council' is on the UK list" in err and "E08000019" in err
    assert "line 3: 'Wokingham Borough Council' is on the UK list" in err
    assert await _councils(sessions) == {}

    rows = (
        "local:Ashley Parish Council,2024-01-01\n"
        "local:Ashley Town Council,2024-01-01\n"
        "local:Wokingham Town Council,2024-01-01\n"
    )
    assert await _import(tmp_path, rows) == 0
    assert "Imported 3 memberships (3 new councils)" in capsys.readouterr().out
    assert set(await _councils(sessions)) == {
        "local:ashley-parish-council",
        "local:ashley-town-council",
        "local:wokingham-town-council",
    }


async def _downgrade(engine: AsyncEngine, revision: str) -> None:
    def run(sync_conn: Any) -> None:
        config = alembic_config()
        config.attributes["connection"] = sync_conn
        command.downgrade(config, revision)

    async with engine.connect() as conn:
        await conn.run_sync(run)
        await conn.commit()


async def _seed_old_codes(engine: AsyncEngine) -> None:
    """Councils as the old code stored them: coded by the place name alone."""
    async with engine.begin() as conn:
        for council_id, code, name, terms in (
            (1, "local:ashley", "Ashley Parish Council", 2),  # a town council may hide in here
            (2, "local:sheffield", "Sheffield City Council", 1),  # beside E08000019
            (3, "local:frome", "Frome Town Council", 1),  # nothing to check
        ):
            await conn.execute(
                text(
                    "INSERT INTO council (id, code, name, created_at) "
                    "VALUES (:id, :code, :name, '2026-03-02 10:00:00')"
                ),
                {"id": council_id, "code": code, "name": name},
            )
            for term in range(terms):
                await conn.execute(
                    text(
                        "INSERT INTO membership (council_id, starts_on, ends_on, created_at, "
                        "source) VALUES (:c, :s, :e, '2026-03-02 10:00:00', 'import')"
                    ),
                    {
                        "c": council_id,
                        "s": date(2020 + 3 * term, 1, 1),
                        "e": date(2022 + 3 * term, 12, 31),
                    },
                )


async def test_the_upgrade_recodes_councils_and_lists_those_staff_must_check(
    database_url: str,
    engine: AsyncEngine,
    sessions: SessionFactory,
    settings: Settings,
    standin: SlackStandIn,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    await _downgrade(engine, "0004")
    try:
        await _seed_old_codes(engine)
        await engine.dispose()
        # As an administrator upgrades: the real command line, in its own process.
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "bot.cli", "db", "upgrade"],
            cwd=tmp_path,
            env={**os.environ, "DATABASE_URL": database_url},
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        await upgrade(engine)  # the shared test database goes back to head whatever happened
    assert done.returncode == 0, done.stderr
    said = done.stdout + done.stderr
    assert "2 council(s) entered by name need a check by staff" in said
    assert (
        "Ashley Parish Council (local:ashley-parish-council): 2 applications and imported" in said
    )
    assert (
        "Sheffield City Council (local:sheffield-city-council): it is on the official list" in said
    )
    assert "E08000019" in said and "Frome" not in said
    assert await _councils(sessions) == {
        "local:ashley-parish-council": "Ashley Parish Council",
        "local:sheffield-city-council": "Sheffield City Council",
        "local:frome-town-council": "Frome Town Council",
    }

    # Staff see it in the council's history in Slack too.
    runtime = await start_http(
        replace(settings, slack_api_url=standin.api_url),
        clock=clock,
        host="127.0.0.1",
        port=0,
        with_scheduler=False,
    )
    try:
        assert runtime.url is not None
        async with SignedSlackClient(runtime.url, SIGNING_SECRET, standin) as slack:
            await slack.slash_command(STAFF, "history ashley parish council")
            await standin.wait_until(lambda: len(standin.responses()) == 1)
            # Outsiders see only a council's public steps (DESIGN.md, "Who sees what").
            await slack.slash_command(OUTSIDER, "history ashley parish council")
            await standin.wait_until(lambda: len(standin.responses()) == 2)
    finally:
        await runtime.stop()
    staff_body, outsider_body = (r.body for r in standin.responses())
    shown = render_blocks_as_text(staff_body["text"], staff_body.get("blocks"))
    assert "Needs a check by staff: 2 applications and imported terms" in shown
    outsider_sees = render_blocks_as_text(outsider_body["text"], outsider_body.get("blocks"))
    assert "Needs a check by staff" not in outsider_sees
