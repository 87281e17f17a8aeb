"""Dates far from now and strings JSON can carry but Python cannot store as they are.

Tried as a hostile tester would: a strategy starting in the year 9998 gave HTTP 500 on the
form; an import with member_since 9998-01-01 crashed with "year 10001" instead of naming the
line; a thread reply with a lone UTF-16 surrogate was acknowledged and lost, and the same in the
registration form gave a 500. Each now gets a clear answer where it was typed, or is kept.
"""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from bot import cli
from bot.runtime import Runtime
from bot.standin import SignedSlackClient, SlackStandIn
from models.tables import Application, Comment
from tests.conftest import STAFF
from tests.e2e.helpers_review import add_roster, one_of_each, post_application
from tests.e2e.test_registration import answers, open_modal, pick

LONE = "\ud800"  # half of a surrogate pair: valid in JSON ("\\ud800"), not storable as it is


async def test_a_strategy_starting_in_9998_is_a_field_error(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    view = await open_modal(slack, standin)
    option = await pick(slack, view, "sheff")
    values = answers(
        council=option, strategy_start=date(9998, 1, 1), strategy_end=date(9999, 12, 31)
    )
    reply = await slack.view_submission(STAFF, view, slack.fill_view_state(view, values))
    assert reply.status == 200
    errors = standin.view_errors(view["id"])
    assert errors is not None and "strategy_start" in errors
    assert "between" in errors["strategy_start"]


async def test_a_motion_dated_in_the_year_1_is_a_field_error(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    view = await open_modal(slack, standin)
    option = await pick(slack, view, "sheff")
    values = answers(council=option, motion_date=date(1, 1, 1))
    await slack.view_submission(STAFF, view, slack.fill_view_state(view, values))
    errors = standin.view_errors(view["id"])
    assert errors is not None and "between" in errors.get("motion_date", "")


async def test_a_lone_surrogate_in_the_registration_form_is_registered_not_a_500(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    view = await open_modal(slack, standin)
    option = await pick(slack, view, "sheff")
    values = answers(council=option, joint_work=f"Welcome events {LONE} and a refugee week")
    reply = await slack.view_submission(STAFF, view, slack.fill_view_state(view, values))
    assert reply.status == 200
    assert standin.view_errors(view["id"]) is None
    async with bot.deps.sessions() as session:
        application = (await session.exec(select(Application))).one()
    assert application.joint_work == "Welcome events \ufffd and a refugee week"


async def test_a_thread_reply_with_a_lone_surrogate_is_kept(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await add_roster(bot.deps, standin)
    _, ts = await post_application(bot.deps, standin)
    reply = await slack.message_event(one_of_each()["group"], f"See {LONE} page 4", thread_ts=ts)
    assert reply.status == 200

    async def stored() -> list[Comment]:
        async with bot.deps.sessions() as session:
            return list((await session.exec(select(Comment))).all())

    for _ in range(100):
        if await stored():
            break
        await asyncio.sleep(0.05)
    [comment] = await stored()
    assert comment.text == "See \ufffd page 4"


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    return tmp_path


async def test_an_import_line_from_the_year_9998_is_named_not_a_crash(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    members = cli_env / "members.csv"
    members.write_text("council,member_since\nE08000019,2024-05-01\nE08000035,9998-01-01\n")
    status = await asyncio.to_thread(cli.main, ["import", str(members)])
    assert status == 1
    error = capsys.readouterr().err
    assert "line 3" in error and "member_since" in error and "between" in error
    assert "Traceback" not in error
