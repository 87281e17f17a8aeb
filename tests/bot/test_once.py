"""The exactly-once path (bot/sending/once.py): a real database, and the stand-in as Slack."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.clock import FixedClock
from bot.sending.context import Deps
from bot.sending.once import STAFF_NOTICE, Key, Message, Sent, Status, post_once, update_once
from bot.sending.slack_health import SlackHealth
from bot.services import audit, ledger
from bot.standin import BOT_TOKEN, CHANNEL_ID, SlackStandIn
from models.tables import AuditEntry, LedgerState, ReminderLedger
from tests.conftest import STAFF, STAFF_2

KEY = Key("test_message", subject_id=7, round=1)
HELLO = Message(channel=CHANNEL_ID, text="Hello, working group")


@pytest.fixture
def client(standin: SlackStandIn) -> AsyncWebClient:
    return AsyncWebClient(token=BOT_TOKEN, base_url=standin.api_url, timeout=1)


async def _rows(deps: Deps, kind: str = KEY.kind) -> list[ReminderLedger]:
    async with deps.sessions() as session:
        query = select(ReminderLedger).where(ReminderLedger.kind == kind)
        return list((await session.exec(query.order_by(col(ReminderLedger.id)))).all())


def _posts(standin: SlackStandIn, channel: str = CHANNEL_ID) -> int:
    return len([c for c in standin.calls("chat.postMessage") if c.args["channel"] == channel])


def _notices(standin: SlackStandIn, staff: str) -> int:
    return len(standin.messages(standin.dm_channel_id(staff)))


async def test_a_message_is_sent_once_and_recorded_with_the_ledger(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn
) -> None:
    async def record(session: AsyncSession, sent: Sent) -> None:
        audit.Trail(session, at=sent.at, actor="system").record("test.sent", ts=sent.ts)

    first = await post_once(deps, client, KEY, HELLO, record)
    again = await post_once(deps, client, KEY, HELLO, record)
    assert first.status is Status.SENT and first.sent is not None
    assert again.status is Status.TAKEN
    assert [m.text for m in standin.messages()] == [HELLO.text]
    assert [r.state for r in await _rows(deps)] == [LedgerState.SENT]
    async with deps.sessions() as session:
        entry = (await session.exec(select(AuditEntry))).one()
    assert entry.action == "test.sent" and first.sent.ts in entry.detail


async def test_concurrent_sends_of_one_key_send_once(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn
) -> None:
    results = await asyncio.gather(*(post_once(deps, client, KEY, HELLO) for _ in range(6)))
    assert sorted(r.status for r in results) == [Status.SENT] + [Status.TAKEN] * 5
    assert len(standin.messages()) == 1


async def test_the_render_runs_after_the_claim_and_may_say_no_longer_needed(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn
) -> None:
    async def nothing_to_say() -> Message | None:
        assert [r.state for r in await _rows(deps)] == [LedgerState.CLAIMED]
        return None

    assert (await post_once(deps, client, KEY, nothing_to_say)).status is Status.NOT_NEEDED
    assert await _rows(deps) == []  # the claim was given back
    assert standin.calls("chat.postMessage") == []

    async def broken() -> Message | None:
        raise LookupError("the row went away")

    with pytest.raises(LookupError):
        await post_once(deps, client, KEY, broken)
    assert await _rows(deps) == []
    assert (await post_once(deps, client, KEY, HELLO)).ok


async def test_slacks_own_refusal_gives_the_claim_back_for_the_next_run(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn
) -> None:
    standin.fail_next("chat.postMessage", error="ratelimited", retry_after=0)
    failed = await post_once(deps, client, KEY, HELLO)
    assert failed.status is Status.FAILED and failed.claim_released
    assert failed.error_code == "ratelimited" and failed.advice and "slow down" in failed.advice
    assert await _rows(deps) == []
    assert (await post_once(deps, client, KEY, HELLO)).ok  # not a permanent refusal: at once


@pytest.mark.parametrize("status", [502, 504])
async def test_a_gateway_error_keeps_the_claim_until_its_lease_runs_out(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn, clock: FixedClock, status: int
) -> None:
    standin.fail_next("chat.postMessage", status=status, error=None)
    failed = await post_once(deps, client, KEY, HELLO)
    assert failed.status is Status.FAILED and not failed.claim_released
    assert [r.state for r in await _rows(deps)] == [LedgerState.CLAIMED]
    clock.advance(timedelta(minutes=5))
    assert (await post_once(deps, client, KEY, HELLO)).status is Status.TAKEN
    clock.advance(ledger.DEFAULT_LEASE)
    assert (await post_once(deps, client, KEY, HELLO)).ok
    assert len(standin.messages()) == 1


async def test_a_permanent_refusal_holds_the_conversation_back_an_hour_and_tells_staff_daily(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn, clock: FixedClock
) -> None:
    standin.set_bot_member(CHANNEL_ID, False)
    failed = await post_once(deps, client, KEY, HELLO)
    assert failed.status is Status.FAILED and failed.error_code == "not_in_channel"
    assert await _rows(deps) == []  # given back: Slack surely did not post it
    assert [_notices(standin, s) for s in (STAFF, STAFF_2)] == [1, 1]
    [notice] = standin.messages(standin.dm_channel_id(STAFF))
    assert f"<#{CHANNEL_ID}>" in notice.text and "/invite @Sanctuary Network" in notice.text

    other = Key("test_message", subject_id=8)
    for _ in range(59):  # minute by minute, any message there waits, without asking Slack
        clock.advance(timedelta(minutes=1))
        held = await post_once(deps, client, other, HELLO)
        assert held.status is Status.HELD_BACK and held.error_code == "not_in_channel"
        assert held.advice and "/invite @Sanctuary Network" in held.advice
    assert _posts(standin) == 1
    direct = Message(channel=STAFF, text="A direct message still goes")
    assert (await post_once(deps, client, Key("test_dm", 1, recipient=STAFF), direct)).ok

    clock.advance(timedelta(minutes=1))  # an hour on: tried again, refused, staff told already
    assert (await post_once(deps, client, other, HELLO)).status is Status.FAILED
    assert _posts(standin) == 2
    assert [_notices(standin, s) for s in (STAFF, STAFF_2)] == [2, 1]  # 2: the direct message

    restarted = replace(deps, slack_health=SlackHealth())
    assert (await post_once(restarted, client, other, HELLO)).status is Status.FAILED
    assert _posts(standin) == 3  # a new process tries at once; the ledger still says "told"
    assert [_notices(standin, s) for s in (STAFF, STAFF_2)] == [2, 1]

    clock.advance(timedelta(days=1))
    assert (await post_once(deps, client, other, HELLO)).status is Status.FAILED
    assert [_notices(standin, s) for s in (STAFF, STAFF_2)] == [3, 2]
    days = sorted({r.subject_id for r in await _rows(deps, STAFF_NOTICE)})
    assert len(days) == 2

    standin.set_bot_member(CHANNEL_ID, True)  # fixed: a new process posts at once
    fixed = replace(deps, slack_health=SlackHealth())
    assert (await post_once(fixed, client, other, HELLO)).ok


async def test_a_staff_notice_that_fails_does_not_notify_about_itself(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn
) -> None:
    gone = "U0LEFT0001"  # staff Slack does not know: their notice is refused
    deps = replace(deps, settings=replace(deps.settings, staff=frozenset({STAFF, gone})))
    standin.set_bot_member(CHANNEL_ID, False)
    assert (await post_once(deps, client, KEY, HELLO)).status is Status.FAILED
    tried = [c.args["channel"] for c in standin.calls("chat.postMessage")]
    assert sorted(tried) == sorted([CHANNEL_ID, STAFF, gone])
    assert [r.recipient for r in await _rows(deps, STAFF_NOTICE)] == [STAFF]


async def test_a_refused_token_is_logged_once_and_cleared_when_slack_accepts(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.sending.once")
    standin.fail_next("chat.postMessage", error="invalid_auth", times=3)
    for _ in range(3):
        failed = await post_once(deps, client, KEY, HELLO)
        assert failed.status is Status.FAILED and failed.claim_released
    assert deps.slack_health.unreachable == "invalid_auth"
    assert [r.levelname for r in caplog.records] == ["ERROR"]
    assert "SLACK_BOT_TOKEN" in caplog.records[0].getMessage()
    assert standin.messages(standin.dm_channel_id(STAFF)) == []  # no one can be told in Slack
    assert (await post_once(deps, client, KEY, HELLO)).ok
    assert deps.slack_health.unreachable is None


async def test_an_update_is_done_once_and_retried_after_any_failure(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn
) -> None:
    posted = await client.chat_postMessage(channel=CHANNEL_ID, text="Before")
    ts = str(posted["ts"])

    async def rerender() -> None:
        await client.chat_update(channel=CHANNEL_ID, ts=ts, text="After")

    standin.fail_next("chat.update", status=502, error=None)
    failed = await update_once(deps, client, KEY, rerender)
    # Slack may have updated it; doing it again shows the same message, so the claim goes back.
    assert failed.status is Status.FAILED and failed.claim_released
    assert await _rows(deps) == []
    assert (await update_once(deps, client, KEY, rerender)).ok
    assert (await update_once(deps, client, KEY, rerender)).status is Status.TAKEN
    assert [c.ok for c in standin.calls("chat.update")] == [False, True]


def test_a_message_knows_whether_it_is_a_post_a_reply_or_a_dm() -> None:
    reply = Message(channel=CHANNEL_ID, text="Hi", thread_ts="1.2", broadcast=True)
    assert HELLO.kind == "post" and reply.kind == "reply"
    assert Message(channel=STAFF, text="Hi").kind == "dm"
    assert HELLO.arguments() == {"channel": CHANNEL_ID, "text": HELLO.text}
    assert reply.arguments() == {
        "channel": CHANNEL_ID,
        "text": "Hi",
        "thread_ts": "1.2",
        "reply_broadcast": True,
    }
