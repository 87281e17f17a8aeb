"""Faults survived: Slack rate limits, 5xx and time-outs on every method the bot uses, event
retries racing, a busy database and one that is unreachable or restarting.

Every case checks what a person would notice: nothing they did is lost (it is in the database),
they are told when it could not be shown yet, the post ends matching the database once Slack
answers again, and the app never answers Slack with a 500 or logs an unhandled exception.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from sqlmodel import select

from bot.blocks.application import build_application_message
from bot.domain import ids
from bot.domain.config import Settings
from bot.runtime import Runtime, finish_listeners
from bot.sending.posts import refresh_post
from bot.services.applications import load_view
from bot.standin import CHANNEL_ID, SignedSlackClient, SlackStandIn, build_message_event
from models.tables import Application, Comment, Conflict, Decision, Member, Vote
from tests.conftest import POSTGRES_URL, STAFF
from tests.e2e.helpers_review import add_roster, one_of_each, post_application
from tests.e2e.test_review import count, eventually

# The bot's Web API time-out in these tests, and a delay that outlasts it.
TIMEOUT = 1
LATE = 1.4
REPO = Path(__file__).resolve().parents[2]

# (name, fail_next kwargs): each fault outlasts the client's two retries where it retries.
FAULTS: list[tuple[str, dict[str, Any]]] = [
    ("ratelimited", {"error": "ratelimited", "retry_after": 0, "times": 3}),
    ("http_500", {"status": 500, "error": None}),
    ("timeout", {"error": None, "delay": LATE}),
]
FAULT_IDS = [name for name, _ in FAULTS]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, slack_timeout=TIMEOUT)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """As conftest's, but the SQLite file sits in its own folder (moved away to make it vanish)."""
    if POSTGRES_URL:
        yield request.getfixturevalue("_postgres_migrated")
        return
    template: Path = request.getfixturevalue("_sqlite_template")
    folder = tmp_path / "db"
    folder.mkdir()
    shutil.copyfile(template, folder / "sanctuary.db")
    yield f"sqlite+aiosqlite:///{folder / 'sanctuary.db'}"


@pytest.fixture(autouse=True)
def _no_unhandled_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.WARNING)
    yield
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []


def heard(standin: SlackStandIn, user: str) -> list[str]:
    """Everything only `user` was told: ephemerals, response_url answers and DMs."""
    said = [e.text for e in standin.ephemerals(user)]
    dm = standin.dm_channel_id(user)
    return said + [m.text for m in standin.messages(dm)]


async def wait_heard(standin: SlackStandIn, user: str, before: int) -> str:
    await standin.wait_until(lambda: len(heard(standin, user)) > before, timeout=15)
    return heard(standin, user)[-1]


def fresh_render(bot: Runtime, view: Any) -> tuple[str, list[dict[str, Any]]]:
    text, blocks = build_application_message(
        view,
        rules=bot.deps.settings.rules,
        timezone=bot.deps.settings.timezone,
        now=bot.deps.clock.now(),
    )
    return text, [b.to_dict() for b in blocks]


async def assert_post_matches_database(bot: Runtime, standin: SlackStandIn, app_id: int) -> None:
    """The last chat.update Slack accepted is exactly what the database renders to now."""
    async with bot.deps.sessions() as session:
        view = await load_view(session, app_id)
    text, blocks = fresh_render(bot, view)
    updates = [c for c in standin.calls("chat.update") if c.ok]
    assert updates, "the post was never updated"
    assert updates[-1].args["text"] == text
    assert updates[-1].args["blocks"] == blocks


async def test_a_vote_survives_every_fault_on_chat_update(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await add_roster(bot.deps, standin)
    app_id, ts = await post_application(bot.deps, standin)
    voters = list(one_of_each().values())
    for (name, fault), voter in zip(FAULTS, voters, strict=False):
        standin.fail_next("chat.update", **fault)
        before = len(heard(standin, voter))
        reply = await slack.block_action(
            voter, ids.VOTE_APPROVE, message_ts=ts, value=f"{app_id}:1"
        )
        assert reply.status == 200
        said = await wait_heard(standin, voter, before)
        assert "Vote recorded" in said, name
        assert "Slack would not update the post just now" in said, name
    assert await count(bot, Vote) == len(FAULTS)
    # Slack answers again: the next vote re-renders the post from the database, every vote in it.
    last = voters[len(FAULTS)]
    before = len(heard(standin, last))
    await slack.block_action(last, ids.VOTE_DECLINE, message_ts=ts, value=f"{app_id}:1")
    assert "Slack would not" not in await wait_heard(standin, last, before)
    await assert_post_matches_database(bot, standin, app_id)
    assert f"({len(FAULTS) + 1} cast)" in str(standin.calls("chat.update")[-1].args["blocks"])


@pytest.mark.parametrize("fault", [f for _, f in FAULTS], ids=FAULT_IDS)
async def test_when_the_private_answer_fails_the_voter_gets_a_dm(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn, fault: dict[str, Any]
) -> None:
    await add_roster(bot.deps, standin)
    app_id, ts = await post_application(bot.deps, standin)
    voter = one_of_each()["lived"]
    standin.fail_next("chat.postEphemeral", **fault)
    await slack.block_action(voter, ids.VOTE_APPROVE, message_ts=ts, value=f"{app_id}:1")
    dm = standin.dm_channel_id(voter)
    await standin.wait_until(lambda: bool(standin.messages(dm)), timeout=15)
    assert "Vote recorded" in standin.messages(dm)[-1].text
    assert await count(bot, Vote) == 1


@pytest.mark.parametrize("fault", [f for _, f in FAULTS], ids=FAULT_IDS)
async def test_forms_that_slack_does_not_open_are_explained(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn, fault: dict[str, Any]
) -> None:
    await add_roster(bot.deps, standin)
    app_id, ts = await post_application(bot.deps, standin)
    value = f"{app_id}:1"
    member = one_of_each()["group"]
    surfaces = [
        (
            member,
            lambda: slack.block_action(member, ids.DECLARE_CONFLICT, message_ts=ts, value=value),
        ),
        (STAFF, lambda: slack.block_action(STAFF, ids.RECORD_DECISION, message_ts=ts, value=value)),
        (
            STAFF,
            lambda: slack.block_action(STAFF, ids.EDIT_APPLICATION, message_ts=ts, value=value),
        ),
        (
            STAFF,
            lambda: slack.block_action(STAFF, ids.WITHDRAW_APPLICATION, message_ts=ts, value=value),
        ),
        (STAFF, lambda: slack.slash_command(STAFF, "apply")),
        (STAFF, lambda: slack.slash_command(STAFF, "decide sheffield")),
    ]
    for user, act in surfaces:
        standin.fail_next("views.open", **fault)
        before = len(heard(standin, user))
        assert (await act()).status == 200
        said = await wait_heard(standin, user, before)
        assert "Slack did not open the form just now" in said
        assert "try again" in said
    if not fault.get("delay"):  # a late answer may still open it after the bot gave up
        assert not [c for c in standin.calls("views.open") if c.ok]
    assert await count(bot, Conflict) == 0
    assert await count(bot, Decision) == 0
    async with bot.deps.sessions() as session:
        application = await session.get(Application, app_id)
    assert application is not None and application.status == "under_review"


async def _open_modal(
    slack: SignedSlackClient, standin: SlackStandIn, user: str, action: str, ts: str, value: str
) -> dict[str, Any]:
    opened = len(standin.calls("views.open"))
    await slack.block_action(user, action, message_ts=ts, value=value)
    await standin.wait_for("views.open", count=opened + 1)
    modal = standin.last_view(user)
    assert modal is not None
    return modal


@pytest.mark.parametrize("fault", [f for _, f in FAULTS], ids=FAULT_IDS)
async def test_conflict_and_decision_are_kept_when_the_post_cannot_be_updated(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn, fault: dict[str, Any]
) -> None:
    await add_roster(bot.deps, standin)
    app_id, ts = await post_application(bot.deps, standin)
    value = f"{app_id}:1"
    helen = one_of_each()["trustee"]
    modal = await _open_modal(slack, standin, helen, ids.DECLARE_CONFLICT, ts, value)
    standin.fail_next("chat.update", **fault)
    before = len(heard(standin, helen))
    state = slack.fill_view_state(modal, {ids.CONFLICT_REASON_BLOCK: "I chair the group"})
    assert (await slack.view_submission(helen, modal, state)).status == 200
    said = await wait_heard(standin, helen, before)
    assert "Conflict of interest recorded" in said and "Slack would not update" in said
    assert await count(bot, Conflict) == 1

    modal = await _open_modal(slack, standin, STAFF, ids.RECORD_DECISION, ts, value)
    standin.fail_next("chat.update", **fault)
    before = len(heard(standin, STAFF))
    answers = {
        ids.DECISION_OUTCOME_BLOCK: "further_work",
        ids.DECISION_RATIONALE_BLOCK: "Please send the endorsement.",
        ids.DECISION_NO_QUORUM_BLOCK: "Urgent: the council meets on Friday.",
    }
    assert (
        await slack.view_submission(STAFF, modal, slack.fill_view_state(modal, answers))
    ).status == 200
    said = await wait_heard(standin, STAFF, before)
    assert "The decision is recorded, but Slack would not update the channel" in said
    assert await count(bot, Decision) == 1
    # Slack answers again: the next refresh shows the decision, from the database.
    await refresh_post(bot.deps, bot.client, app_id)
    await assert_post_matches_database(bot, standin, app_id)
    assert "Further work requested" in str(standin.calls("chat.update")[-1].args["blocks"])


async def test_registration_is_kept_when_posting_fails_and_permalink_is_optional(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    from tests.e2e.test_registration import answers, open_modal, pick, submit

    view = await open_modal(slack, standin)
    option = await pick(slack, view, "sheff")
    standin.fail_next("chat.postMessage", error="ratelimited", retry_after=0, times=3)
    before = len(heard(standin, STAFF))
    assert await submit(slack, view, answers(council=option)) is None
    said = await wait_heard(standin, STAFF, before)
    assert "could not be posted to the working group yet" in said and "Nothing is lost" in said
    assert await count(bot, Application) == 1

    view = await open_modal(slack, standin)
    option = await pick(slack, view, "leeds")
    standin.fail_next("chat.getPermalink", error=None, delay=LATE)
    before = len(heard(standin, STAFF))
    assert await submit(slack, view, answers(council=option)) is None
    said = await wait_heard(standin, STAFF, before)
    assert "posted it for review: see the channel" in said
    assert await count(bot, Application) == 2


@pytest.mark.parametrize("fault", [f for _, f in FAULTS], ids=FAULT_IDS)
async def test_group_add_when_slack_cannot_say_who_it_is(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn, fault: dict[str, Any]
) -> None:
    standin.add_user("U0NEWMEMB1", "Amira")
    standin.fail_next("users.info", **fault)
    await slack.slash_command(STAFF, "group add <@U0NEWMEMB1> lived")
    await standin.wait_until(lambda: bool(standin.responses()), timeout=15)
    said = standin.responses()[-1].body["text"]
    assert "Slack would not tell me who <@U0NEWMEMB1> is" in said and "try again" in said
    assert await count(bot, Member) == 0


@pytest.mark.parametrize("fault", [f for _, f in FAULTS], ids=FAULT_IDS)
async def test_home_tab_publish_failure_is_logged_not_raised(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn, fault: dict[str, Any]
) -> None:
    standin.fail_next("views.publish", **fault)
    event = {"type": "app_home_opened", "user": STAFF, "channel": "D0HOME0001", "tab": "home"}
    assert (await slack.event(event)).status == 200
    await standin.wait_until(lambda: bool(standin.calls("views.publish")), timeout=15)
    # Opening it again works.
    assert (await slack.event(event)).status == 200
    await standin.wait_until(lambda: standin.home_view(STAFF) is not None, timeout=15)


async def test_an_event_retry_racing_the_first_delivery_is_recorded_once(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await add_roster(bot.deps, standin)
    _, ts = await post_application(bot.deps, standin)
    ruth = one_of_each()["group"]
    reply = standin.add_user_message(CHANNEL_ID, ruth, "A strong plan", ts)
    event = build_message_event(ruth, reply.text, channel=CHANNEL_ID, ts=reply.ts, thread_ts=ts)
    replies = await asyncio.gather(
        slack.event(event, event_id="EvRACE0001"),
        slack.event(event, event_id="EvRACE0001", retry_num=1),
        slack.event(event, event_id="EvRACE0001", retry_num=2),
    )
    assert [r.status for r in replies] == [200, 200, 200]

    async def one() -> bool:
        return await count(bot, Comment) == 1

    await eventually(one)
    await asyncio.sleep(0.2)  # let any late duplicate finish before counting again
    assert await count(bot, Comment) == 1


async def test_a_click_while_another_connection_holds_the_write_lock_waits_and_succeeds(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock; PostgreSQL rows lock per row")
    await add_roster(bot.deps, standin)
    app_id, ts = await post_application(bot.deps, standin)
    voter = one_of_each()["lived"]
    locker = sqlite3.connect(database_url.split("///", 1)[1], isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    released = asyncio.get_running_loop().call_later(1.0, locker.commit)
    try:
        await slack.block_action(voter, ids.VOTE_APPROVE, message_ts=ts, value=f"{app_id}:1")
        said = await wait_heard(standin, voter, 0)
    finally:
        released.cancel()
        locker.close()
    assert "Vote recorded" in said
    assert await count(bot, Vote) == 1


async def _everything_refused_while_down(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn, app_id: int, ts: str, modal: Any
) -> None:
    voter = one_of_each()["lived"]
    before = len(heard(standin, voter))
    reply = await slack.block_action(voter, ids.VOTE_APPROVE, message_ts=ts, value=f"{app_id}:1")
    assert reply.status == 200
    said = await wait_heard(standin, voter, before)
    assert "database is not answering" in said and "try again in a minute" in said

    before = len(standin.responses())
    assert (await slack.slash_command(STAFF, "status sheffield")).status == 200
    await standin.wait_until(lambda: len(standin.responses()) > before, timeout=15)
    assert "try again in a minute" in standin.responses()[-1].body["text"]

    helen = one_of_each()["trustee"]
    state = slack.fill_view_state(modal, {ids.CONFLICT_REASON_BLOCK: "I chair the group"})
    reply = await slack.view_submission(helen, modal, state)
    assert reply.status == 200
    errors = standin.view_errors(modal["id"])
    assert errors is not None and "try again in a minute" in str(errors)


async def _everything_works_again(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn, app_id: int, ts: str, modal: Any
) -> None:
    voter = one_of_each()["lived"]
    before = len(heard(standin, voter))
    await slack.block_action(voter, ids.VOTE_APPROVE, message_ts=ts, value=f"{app_id}:1")
    assert "Vote recorded" in await wait_heard(standin, voter, before)
    helen = one_of_each()["trustee"]
    state = slack.fill_view_state(modal, {ids.CONFLICT_REASON_BLOCK: "I chair the group"})
    await slack.view_submission(helen, modal, state)
    await standin.wait_until(
        lambda: any("Conflict of interest recorded" in t for t in heard(standin, helen))
    )
    async with bot.deps.sessions() as session:
        votes = (await session.exec(select(Vote))).all()
        conflicts = (await session.exec(select(Conflict))).all()
    assert len(votes) == 1 and len(conflicts) == 1


async def test_an_unreachable_sqlite_database_gives_a_clear_message_and_writes_nothing(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the PostgreSQL restart case below covers an unreachable server")
    await add_roster(bot.deps, standin)
    app_id, ts = await post_application(bot.deps, standin)
    modal = await _open_modal(
        slack, standin, one_of_each()["trustee"], ids.DECLARE_CONFLICT, ts, f"{app_id}:1"
    )
    folder = Path(database_url.split("///", 1)[1]).parent
    away = folder.with_name("db-away")
    await finish_listeners()  # the outage comes while the bot is idle: nothing is mid-write
    await bot.engine.dispose()
    folder.rename(away)
    try:
        await _everything_refused_while_down(bot, slack, standin, app_id, ts, modal)
    finally:
        await bot.engine.dispose()
        away.rename(folder)
    await _everything_works_again(bot, slack, standin, app_id, ts, modal)


def _pg_server(command: str, port: int) -> None:
    env = {**os.environ, "PGTEST_PORT": str(port)}
    subprocess.run(
        [str(REPO / "scripts" / "pg-test-server"), command],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=120,
    )


async def test_a_postgresql_restart_mid_run_is_explained_then_recovered(
    postgres_url: str, bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    port = urlparse(postgres_url).port
    assert port is not None
    await add_roster(bot.deps, standin)
    app_id, ts = await post_application(bot.deps, standin)
    modal = await _open_modal(
        slack, standin, one_of_each()["trustee"], ids.DECLARE_CONFLICT, ts, f"{app_id}:1"
    )
    await asyncio.to_thread(_pg_server, "stop", port)
    try:
        await _everything_refused_while_down(bot, slack, standin, app_id, ts, modal)
    finally:
        await asyncio.to_thread(_pg_server, "start", port)
    # pool_pre_ping replaces the connections the restart broke.
    await _everything_works_again(bot, slack, standin, app_id, ts, modal)
