"""A late answer from Slack never makes the bot post twice (issue 11, item 2).

Slack accepts `chat.postMessage` but answers after the bot's time-out: the message is in Slack,
the bot does not know it. The claim is kept; when its lease runs out the job retries, finds the
message by the key in its metadata, and adopts it instead of posting a second copy. Every kind
of exactly-once message is tried: the application post, a new round and a decision
announcement (thread replies), a renewal nag, a vote reminder DM and the quorum warning (a
reply also shown in the channel). The jobs run as the scheduler runs them, on the real app's
client; the stand-in's message ts follow the bot's clock.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.domain import ids
from bot.domain.clock import FixedClock
from bot.domain.config import Settings
from bot.runtime import Runtime
from bot.services import ledger
from bot.services.reminders import QUORUM_WARNING, VOTE_REMINDER
from bot.services.renewals import NAG_KIND
from bot.standin import CHANNEL_ID, Message, SignedSlackClient, SlackStandIn
from models.db import transaction
from models.tables import Application, LedgerState, ReminderLedger, ReviewRound
from scheduler.jobs import JOBS
from scheduler.posting import post_pending_applications
from tests.conftest import STAFF
from tests.e2e.helpers_review import add_roster, click, one_of_each, post_text
from tests.e2e.test_exactly_once import GHOST, _one_of_each_kind_due
from tests.e2e.test_faults import assert_post_matches_database
from tests.e2e.test_registration import _wait_for_failure_notice, register_sheffield

# The bot's Web API time-out here, and how late Slack answers (after doing what was asked).
TIMEOUT = 1
LATE = 1.4
LEASE_PASSED = ledger.DEFAULT_LEASE + timedelta(minutes=1)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, slack_timeout=TIMEOUT)


async def _run_every_job(bot: Runtime) -> None:
    for job in JOBS:
        await job.run(bot.deps, bot.client)


def _top(standin: SlackStandIn, starts: str) -> list[Message]:
    return [m for m in standin.messages() if m.text.startswith(starts)]


def _replies(standin: SlackStandIn, contains: str) -> list[Message]:
    return [
        reply
        for post in standin.messages()
        for reply in standin.thread(CHANNEL_ID, post.ts)
        if contains in reply.text
    ]


def _each_kind(standin: SlackStandIn) -> dict[str, list[Message]]:
    """The messages in Slack of each kind due in `_one_of_each_kind_due`."""
    return {
        "application post": [m for m in standin.messages() if "Hull" in m.text],
        "renewal nag": _top(standin, "Renewal reminder"),
        "new round": _replies(standin, "Round 2 opened"),
        "decision announcement": _replies(standin, "Decision on York"),
        "quorum warning": _replies(standin, "quorum is not met yet"),
        "reminder DM": [
            m
            for m in standin.messages(standin.dm_channel_id(GHOST))
            if m.text.startswith("Reminder: the working group")
        ],
    }


async def test_every_kind_answered_too_late_is_in_slack_once_after_every_retry(
    bot: Runtime, standin: SlackStandIn, clock: FixedClock
) -> None:
    await _one_of_each_kind_due(bot, standin)
    standin.add_user(GHOST, "Ghost")  # a member Slack knows: the reminder DM reaches them
    kinds = 6
    standin.fail_next("chat.postMessage", error=None, answer_delay=LATE, times=kinds)
    tried = len(standin.calls("chat.postMessage"))

    await _run_every_job(bot)
    # Slack has every one of them; the bot heard back about none.
    assert len(standin.calls("chat.postMessage")) == tried + kinds
    assert {kind: len(found) for kind, found in _each_kind(standin).items()} == dict.fromkeys(
        _each_kind(standin), 1
    )
    async with bot.deps.sessions() as session:
        open_claims = (
            await session.exec(
                select(ReminderLedger).where(ReminderLedger.state == LedgerState.CLAIMED)
            )
        ).all()
    assert len(open_claims) == kinds
    assert all(row.first_attempt_at is not None for row in open_claims)
    first_copies = {kind: found[0].ts for kind, found in _each_kind(standin).items()}

    clock.advance(timedelta(minutes=5))  # within the lease: nothing is tried
    await _run_every_job(bot)
    assert len(standin.calls("chat.postMessage")) == tried + kinds

    for _ in range(3):  # the lease runs out, again and again: each is found, never sent again
        clock.advance(LEASE_PASSED)
        await _run_every_job(bot)
        each = _each_kind(standin)
        assert {kind: [m.ts for m in found] for kind, found in each.items()} == {
            kind: [ts] for kind, ts in first_copies.items()
        }
    # The only new messages: staff told, once each, that what they registered is posted now.
    notices = [c.args["text"] for c in standin.calls("chat.postMessage")[tried + kinds :]]
    assert len(notices) == 2 and all("is now posted" in text for text in notices)
    assert any("Hull" in text for text in notices)
    assert any(text.startswith("Round 2 of application") for text in notices)

    async with bot.deps.sessions() as session:
        states = (await session.exec(select(ReminderLedger.state))).all()
        hull = (
            await session.exec(select(Application).where(col(Application.message_ts).is_not(None)))
        ).all()
        rounds = (await session.exec(select(ReviewRound).where(ReviewRound.number == 2))).all()
    assert set(states) == {LedgerState.SENT}
    # Adopted as if sent: the application and the new round know where their messages are.
    assert first_copies["application post"] in {a.message_ts for a in hull}
    assert [r.message_ts for r in rounds] == [first_copies["new round"]]


@pytest.mark.parametrize(
    ("kind", "ledger_kind"),
    [
        ("renewal nag", NAG_KIND),
        ("reminder DM", VOTE_REMINDER),
        ("quorum warning", QUORUM_WARNING),
    ],
)
async def test_a_crash_between_send_and_mark_is_found_too(
    bot: Runtime, standin: SlackStandIn, clock: FixedClock, kind: str, ledger_kind: str
) -> None:
    """The process died after Slack took the message but before the ledger said so: the claim
    is open, as after a time-out, and the next run looks before sending."""
    await _one_of_each_kind_due(bot, standin)
    standin.add_user(GHOST, "Ghost")
    await _run_every_job(bot)
    found = _each_kind(standin)[kind]
    assert len(found) == 1
    async with transaction(bot.deps.sessions) as session:  # as a crash leaves the ledger
        [row] = (
            await session.exec(select(ReminderLedger).where(ReminderLedger.kind == ledger_kind))
        ).all()
        assert row.first_attempt_at is not None
        row.state, row.sent_at = LedgerState.CLAIMED, None
        session.add(row)
    sent = len(standin.calls("chat.postMessage"))
    clock.advance(LEASE_PASSED)
    await _run_every_job(bot)
    assert [m.ts for m in _each_kind(standin)[kind]] == [found[0].ts]
    assert len(standin.calls("chat.postMessage")) == sent
    async with bot.deps.sessions() as session:
        again = (
            await session.exec(select(ReminderLedger).where(ReminderLedger.id == row.id))
        ).one()
    assert again.state == LedgerState.SENT


async def test_votes_on_an_adopted_application_post_update_that_post(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn, clock: FixedClock
) -> None:
    await add_roster(bot.deps, standin)
    standin.fail_next("chat.postMessage", error=None, answer_delay=LATE)
    await register_sheffield(slack, standin, posted=False)
    await _wait_for_failure_notice(standin)
    [post] = standin.messages()  # Slack has it; the bot does not know
    async with bot.deps.sessions() as session:
        application = (await session.exec(select(Application))).one()
    assert application.message_ts is None and application.id is not None
    value = f"{application.id}:1"

    # Members vote on the post they see: the votes are kept, the post cannot show them yet.
    members = one_of_each()
    for constituency in ("lived", "councillor"):
        said = await click(slack, standin, members[constituency], ids.VOTE_APPROVE, post.ts, value)
        assert "Vote recorded" in said
    assert "(0 cast)" in post_text(standin, post.ts)

    # The lease runs out; the job finds the post and adopts it: the votes show, on that post.
    clock.advance(LEASE_PASSED)
    assert await post_pending_applications(bot.deps, bot.client) == 1
    assert [m.ts for m in standin.messages()] == [post.ts]
    assert "(2 cast)" in post_text(standin, post.ts)

    # And the next vote updates that same post.
    said = await click(slack, standin, members["officer"], ids.VOTE_DECLINE, post.ts, value)
    assert "Vote recorded" in said and "Slack would not" not in said
    await standin.wait_until(lambda: "(3 cast)" in post_text(standin, post.ts))
    assert [m.ts for m in standin.messages()] == [post.ts]
    assert not any("(0 cast)" in post_text(standin, m.ts) for m in standin.messages())
    assert {c.args["ts"] for c in standin.calls("chat.update")} == {post.ts}
    await assert_post_matches_database(bot, standin, application.id)
    async with bot.deps.sessions() as session:
        assert (await session.exec(select(Application))).one().message_ts == post.ts
    dm = standin.messages(standin.dm_channel_id(STAFF))
    assert any("is now posted" in m.text for m in dm)
