"""Before sending again, the exactly-once path looks in Slack for the message an earlier attempt
may have left there (bot/sending/once.py): a real database, and the stand-in as Slack, with
message ts values from the same clock as the bot's."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import select

from bot.domain.clock import FixedClock
from bot.sending.context import Deps
from bot.sending.once import METADATA_EVENT_TYPE, Key, Message, Sent, Status, post_once
from bot.services import ledger
from bot.standin import BOT_TOKEN, CHANNEL_ID, SlackStandIn
from models.db import transaction
from models.tables import LedgerState, ReminderLedger
from tests.conftest import START

KEY = Key("test_message", subject_id=7, round=2, offset_days=3, recipient="U0ANYONE01")
HELLO = Message(channel=CHANNEL_ID, text="Hello, working group")
AMIRA = "U0LIVED001"
TIMEOUT = 1
LATE = 1.4


@pytest.fixture
def client(standin: SlackStandIn) -> AsyncWebClient:
    return AsyncWebClient(token=BOT_TOKEN, base_url=standin.api_url, timeout=TIMEOUT)


async def _row(deps: Deps, key: Key = KEY) -> ReminderLedger:
    async with deps.sessions() as session:
        query = select(ReminderLedger).where(ReminderLedger.kind == key.kind)
        return (await session.exec(query)).one()


def _tries(standin: SlackStandIn) -> int:
    return len(standin.calls("chat.postMessage"))


async def _times_out_but_arrives(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn, message: Message, key: Key = KEY
) -> None:
    standin.fail_next("chat.postMessage", error=None, answer_delay=LATE)
    failed = await post_once(deps, client, key, message)
    assert failed.status is Status.FAILED and failed.error_code == "timeout"
    assert not failed.claim_released


async def test_every_message_carries_its_key_as_metadata(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn
) -> None:
    assert (await post_once(deps, client, KEY, HELLO)).ok
    [call] = standin.calls("chat.postMessage")
    assert call.args["metadata"] == {
        "event_type": METADATA_EVENT_TYPE,
        "event_payload": {
            "kind": "test_message",
            "subject_id": 7,
            "round": 2,
            "offset_days": 3,
            "recipient": "U0ANYONE01",
        },
    }
    row = await _row(deps)
    assert row.first_attempt_at == START  # handed to Slack, by the clock, before it was sent


async def test_a_post_that_arrived_late_is_adopted_not_sent_again(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn, clock: FixedClock
) -> None:
    recorded: list[Sent] = []

    async def record(_: object, sent: Sent) -> None:
        recorded.append(sent)

    await _times_out_but_arrives(deps, client, standin, HELLO)
    [arrived] = standin.messages()
    clock.advance(timedelta(minutes=5))
    assert (await post_once(deps, client, KEY, HELLO, record)).status is Status.TAKEN
    clock.advance(ledger.DEFAULT_LEASE)
    adopted = await post_once(deps, client, KEY, HELLO, record)
    assert adopted.ok and adopted.adopted
    assert adopted.sent == Sent(channel=CHANNEL_ID, ts=arrived.ts, at=START)
    assert recorded == [adopted.sent]  # recorded as if this run had sent it
    assert _tries(standin) == 1 and len(standin.messages()) == 1
    [look] = standin.calls("conversations.history")
    assert look.args["include_all_metadata"] in ("1", 1, True)
    assert float(look.args["oldest"]) <= float(arrived.ts)
    row = await _row(deps)
    assert row.state == LedgerState.SENT and row.attempts == 2
    assert (await post_once(deps, client, KEY, HELLO)).status is Status.TAKEN


async def test_a_reply_is_looked_for_in_its_thread(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn, clock: FixedClock
) -> None:
    parent = await client.chat_postMessage(channel=CHANNEL_ID, text="The application")
    reply = Message(CHANNEL_ID, "Round 2", thread_ts=str(parent["ts"]), broadcast=True)
    await _times_out_but_arrives(deps, client, standin, reply)
    clock.advance(ledger.DEFAULT_LEASE + timedelta(minutes=1))
    adopted = await post_once(deps, client, KEY, reply)
    assert adopted.adopted and adopted.sent is not None
    assert [m.ts for m in standin.thread(CHANNEL_ID, str(parent["ts"]))] == [adopted.sent.ts]
    assert [c.args["ts"] for c in standin.calls("conversations.replies")] == [parent["ts"]]
    assert standin.calls("conversations.history") == []


async def test_a_direct_message_is_looked_for_in_the_dm_opened_by_user_id(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn, clock: FixedClock
) -> None:
    standin.add_user(AMIRA, "Amira")
    dm = Message(channel=AMIRA, text="Please vote")
    await _times_out_but_arrives(deps, client, standin, dm)
    clock.advance(ledger.DEFAULT_LEASE + timedelta(minutes=1))
    adopted = await post_once(deps, client, KEY, dm)
    assert adopted.adopted and adopted.sent is not None
    assert adopted.sent.channel == standin.dm_channel_id(AMIRA)
    assert [m.text for m in standin.messages(standin.dm_channel_id(AMIRA))] == ["Please vote"]
    assert [c.args["users"] for c in standin.calls("conversations.open")] == [AMIRA]


async def test_the_look_up_pages_through_a_busy_channel(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn, clock: FixedClock
) -> None:
    await _times_out_but_arrives(deps, client, standin, HELLO)
    for n in range(450):  # people talk in the channel meanwhile: three pages of 200
        standin.add_user_message(CHANNEL_ID, AMIRA, f"message {n}")
    clock.advance(ledger.DEFAULT_LEASE + timedelta(minutes=1))
    adopted = await post_once(deps, client, KEY, HELLO)
    assert adopted.adopted
    assert len(standin.calls("conversations.history")) == 3
    assert _tries(standin) == 1


async def test_a_message_with_another_key_or_before_the_attempt_is_not_adopted(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn, clock: FixedClock
) -> None:
    other = Key("test_message", subject_id=8, round=2, offset_days=3, recipient="U0ANYONE01")
    assert (await post_once(deps, client, other, HELLO)).ok
    clock.advance(timedelta(hours=1))
    standin.fail_next("chat.postMessage", status=504, error=None)  # did not arrive
    assert not (await post_once(deps, client, KEY, HELLO)).ok
    clock.advance(ledger.DEFAULT_LEASE + timedelta(minutes=1))
    sent = await post_once(deps, client, KEY, HELLO)
    assert sent.ok and not sent.adopted
    assert len(standin.messages()) == 2
    oldest = standin.calls("conversations.history")[0].args["oldest"]
    assert float(oldest) > float(standin.messages()[0].ts)


async def test_a_claim_retaken_before_anything_was_handed_to_slack_is_sent_without_looking(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn, clock: FixedClock
) -> None:
    # The process died between the claim and the send: the ledger says nothing was handed over.
    assert await ledger.claim(deps.sessions, KEY, now=START) is not None
    clock.advance(ledger.DEFAULT_LEASE + timedelta(minutes=1))
    sent = await post_once(deps, client, KEY, HELLO)
    assert sent.ok and not sent.adopted
    assert standin.calls("conversations.history") == []


async def test_a_look_up_that_fails_for_now_sends_nothing_and_keeps_the_claim(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn, clock: FixedClock
) -> None:
    standin.fail_next("chat.postMessage", status=502, error=None)
    assert not (await post_once(deps, client, KEY, HELLO)).ok
    clock.advance(ledger.DEFAULT_LEASE + timedelta(minutes=1))
    standin.fail_next("conversations.history", status=503, error=None)
    failed = await post_once(deps, client, KEY, HELLO)
    assert failed.status is Status.FAILED and failed.error_code == "http_503"
    assert not failed.claim_released and _tries(standin) == 1
    assert (await _row(deps)).state == LedgerState.CLAIMED
    clock.advance(ledger.DEFAULT_LEASE + timedelta(minutes=1))
    assert (await post_once(deps, client, KEY, HELLO)).ok
    assert _tries(standin) == 2 and len(standin.messages()) == 1


async def test_without_the_scope_to_look_it_is_sent_again_with_a_warning(
    deps: Deps,
    client: AsyncWebClient,
    standin: SlackStandIn,
    clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    standin.add_user(AMIRA, "Amira")
    standin.revoke("im:write", "im:history")  # installed before the manifest asked for them
    dm = Message(channel=AMIRA, text="Please vote")
    standin.fail_next("chat.postMessage", status=502, error=None)
    assert not (await post_once(deps, client, KEY, dm)).ok
    clock.advance(ledger.DEFAULT_LEASE + timedelta(minutes=1))
    caplog.set_level(logging.WARNING, logger="bot.sending.once")
    caplog.clear()
    assert (await post_once(deps, client, KEY, dm)).ok
    [warning] = [r.getMessage() for r in caplog.records]
    assert "missing_scope" in warning and "Reinstall" in warning


async def test_a_key_whose_first_claim_was_given_back_is_found_from_its_new_attempt(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn, clock: FixedClock
) -> None:
    standin.fail_next("chat.postMessage", error="ratelimited", retry_after=0)
    assert (await post_once(deps, client, KEY, HELLO)).claim_released
    clock.advance(timedelta(hours=1))
    await _times_out_but_arrives(deps, client, standin, HELLO)
    assert (await _row(deps)).first_attempt_at == START + timedelta(hours=1)
    clock.advance(ledger.DEFAULT_LEASE + timedelta(minutes=1))
    assert (await post_once(deps, client, KEY, HELLO)).adopted
    assert len(standin.messages()) == 1


async def test_the_first_attempt_is_kept_when_a_retry_is_sent_again(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn, clock: FixedClock
) -> None:
    standin.fail_next("chat.postMessage", status=504, error=None)  # the first did not arrive
    assert not (await post_once(deps, client, KEY, HELLO)).ok
    clock.advance(ledger.DEFAULT_LEASE + timedelta(minutes=1))
    await _times_out_but_arrives(deps, client, standin, HELLO)  # the second did
    async with transaction(deps.sessions) as session:
        row = (await session.exec(select(ReminderLedger))).one()
    assert row.first_attempt_at == START and row.attempts == 2
    clock.advance(ledger.DEFAULT_LEASE + timedelta(minutes=1))
    assert (await post_once(deps, client, KEY, HELLO)).adopted
    assert len(standin.messages()) == 1
