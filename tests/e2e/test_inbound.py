"""The public endpoint against anonymous and replayed requests (DESIGN.md, "Guarantees").

Tried as a hostile tester would: replaying a captured, correctly signed request within Slack's
five-minute window; malformed timestamps; bodies that are large, badly signed, or written to
forge log lines; and a health check that must not tell the world about the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

import aiohttp
import pytest
from sqlmodel import select

from bot.domain import ids
from bot.inbound import MAX_BODY_BYTES, STORE_WITHIN_SECONDS
from bot.runtime import Runtime
from bot.standin import SignedSlackClient, SlackStandIn
from bot.standin.signing import sign
from models.db import POSTGRESQL_POOL_SIZE, SQLITE_POOL_SIZE
from models.tables import Application, ApplicationStatus, Vote, VoteChoice
from tests.conftest import SIGNING_SECRET, STAFF
from tests.e2e.helpers_review import add_roster, click, one_of_each, post_application
from tests.e2e.test_registration import register_sheffield


async def test_a_replayed_vote_is_refused_and_changes_nothing(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await add_roster(bot.deps, standin)
    app_id, ts = await post_application(bot.deps, standin)
    amira = one_of_each()["lived"]
    await click(slack, standin, amira, ids.VOTE_APPROVE, ts, f"{app_id}:1")
    approve = slack.sent[-1]
    said = await click(slack, standin, amira, ids.VOTE_DECLINE, ts, f"{app_id}:1")
    assert "Vote changed" in said

    replayed = await slack.post_raw(approve.body, approve.headers)

    assert replayed.status == 401
    async with bot.deps.sessions() as session:
        votes = (await session.exec(select(Vote))).all()
    assert [VoteChoice(v.choice) for v in votes] == [VoteChoice.DECLINE]


async def test_a_replayed_registration_after_withdrawal_creates_nothing(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await register_sheffield(slack, standin)
    submission = next(r for r in reversed(slack.sent) if b"view_submission" in r.body)
    async with bot.deps.sessions() as session:
        application = (await session.exec(select(Application))).one()
    opened = len(standin.calls("views.open"))
    await slack.block_action(
        STAFF,
        ids.WITHDRAW_APPLICATION,
        message_ts=application.message_ts,
        value=str(application.id),
    )
    await standin.wait_for("views.open", count=opened + 1)
    form = standin.last_view(STAFF)
    assert form is not None
    values = slack.fill_view_state(form, {"withdraw_reason": "The council asked to pause"})
    await slack.view_submission(STAFF, form, values)
    await standin.wait_for("chat.update")
    posts_before = len(standin.messages())

    replayed = await slack.post_raw(submission.body, submission.headers)

    assert replayed.status == 401
    async with bot.deps.sessions() as session:
        applications = (await session.exec(select(Application))).all()
    assert [a.status for a in applications] == [ApplicationStatus.WITHDRAWN]
    assert len(standin.messages()) == posts_before


@pytest.mark.parametrize(
    "timestamp", ["", "abc", "1e9", " 1700000000", "١٧٠٠٠٠٠٠٠٠", "9" * 40, "-5", "1.5"]
)
async def test_every_bad_timestamp_gets_401(
    bot: Runtime, slack: SignedSlackClient, timestamp: str
) -> None:
    body = b"command=%2Fsanctuary&text=help&user_id=U0OUTSIDE1"
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign(SIGNING_SECRET, body, 0),
    }
    reply = await slack.post_raw(body, headers)
    assert reply.status == 401


async def test_anonymous_bodies_are_neither_parsed_nor_logged(
    bot: Runtime, slack: SignedSlackClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    forged_line = "\nINFO:bot.audit:decision recorded by U0STAFF001"
    small = ("payload=" + "A" * 1000 + forged_line).encode()
    huge = b"payload=" + b"B" * (MAX_BODY_BYTES["application/x-www-form-urlencoded"] + 1)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": "1700000000",
        "X-Slack-Signature": "v0=" + "0" * 64,
    }

    assert (await slack.post_raw(small, headers)).status == 401
    assert (await slack.post_raw(huge, headers)).status == 413

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "AAAA" not in logged and "BBBB" not in logged
    assert "decision recorded" not in logged
    assert all("\n" not in record.getMessage() for record in caplog.records)


async def test_healthz_reports_a_database_outage_without_details(
    bot: Runtime, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("a PostgreSQL outage is tried in tests/e2e/test_faults.py")
    assert bot.url is not None
    folder = Path(database_url.split("///", 1)[1]).parent
    away = folder.with_name("db-away")
    await bot.engine.dispose()
    folder.rename(away)
    try:
        async with aiohttp.ClientSession() as http, http.get(bot.url + "/healthz") as res:
            status, text = res.status, await res.text()
    finally:
        away.rename(folder)
    assert status == 503
    assert '"database": "unavailable"' in text
    assert str(folder) not in text and "sqlite" not in text.lower()


async def test_requests_arriving_are_answered_before_stored_work_starts(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a burst, each click's 200 goes out before the work of the clicks before it: a stored
    click's listener waits while another request is still arriving (bot/inbound.py)."""
    monkeypatch.setattr("bot.inbound.ANSWERS_FIRST_SECONDS", 5.0)
    await add_roster(bot.deps, standin)
    app_id, ts = await post_application(bot.deps, standin)
    amira = one_of_each()["lived"]

    async def votes() -> int:
        async with bot.deps.sessions() as session:
            return len((await session.exec(select(Vote))).all())

    with bot.inbound.arriving():  # another request is being read
        reply = await slack.block_action(
            amira, ids.VOTE_APPROVE, message_ts=ts, value=f"{app_id}:1"
        )
        assert reply.status == 200  # stored and acknowledged at once
        await asyncio.sleep(0.5)
        assert await votes() == 0  # its work waits for the other request's answer
    await standin.wait_until(lambda: bool(standin.ephemerals(amira)))
    assert await votes() == 1


async def test_a_click_is_acknowledged_while_every_connection_is_busy(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    """Storing a request never waits for the listeners' connections: with every connection of
    the bot's pool held by work in progress (a burst of votes), a click is still stored and
    answered 200 at once, and recorded once the work lets go."""
    await add_roster(bot.deps, standin)
    app_id, ts = await post_application(bot.deps, standin)
    amira = one_of_each()["lived"]
    pool = POSTGRESQL_POOL_SIZE if bot.engine.dialect.name == "postgresql" else SQLITE_POOL_SIZE
    free = pool - bot.engine.pool.checkedout()  # type: ignore[attr-defined]
    assert free > 0
    async with contextlib.AsyncExitStack() as busy:
        for _ in range(free):
            session = await busy.enter_async_context(bot.deps.sessions())
            await session.exec(select(1))  # holds its connection until the stack closes
        reply = await asyncio.wait_for(
            slack.block_action(amira, ids.VOTE_APPROVE, message_ts=ts, value=f"{app_id}:1"),
            STORE_WITHIN_SECONDS,
        )
        assert reply.status == 200
    await standin.wait_until(lambda: len(standin.ephemerals(amira)) > 0)
    async with bot.deps.sessions() as session:
        votes = (await session.exec(select(Vote))).all()
    assert [VoteChoice(v.choice) for v in votes] == [VoteChoice.APPROVE]
