"""The review end to end: signed clicks, modals and thread events against the real app."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlmodel import func, select

from bot import ids
from bot.runtime import Runtime
from bot.standin import CHANNEL_ID, SignedSlackClient, SlackStandIn, build_message_event
from models.tables import (
    Application,
    AuditEntry,
    Comment,
    Conflict,
    Decision,
    Member,
    Membership,
    Vote,
    VoteChange,
)
from tests.conftest import OUTSIDER, STAFF
from tests.e2e.helpers_review import ROSTER, add_roster, one_of_each, post_application, post_text


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    """Poll the database until `check()` holds (event listeners run after Slack's ack)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError("the database did not reach the expected state")
        await asyncio.sleep(0.02)


async def count(bot: Runtime, table: Any, *where: Any) -> int:
    async with bot.deps.sessions() as session:
        return int(
            (await session.exec(select(func.count()).select_from(table).where(*where))).one()
        )


async def click(
    slack: SignedSlackClient, standin: SlackStandIn, user: str, action_id: str, ts: str, value: str
) -> str:
    """Click a button on the post and return what only that user was told."""
    before = len(standin.ephemerals(user))
    reply = await slack.block_action(user, action_id, message_ts=ts, value=value)
    assert reply.status == 200
    await standin.wait_until(lambda: len(standin.ephemerals(user)) > before)
    return standin.ephemerals(user)[-1].text


async def test_the_whole_review(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await add_roster(bot.deps, standin)
    app_id, ts = await post_application(bot.deps, standin)
    value = f"{app_id}:1"
    first = one_of_each()

    # Someone not on the roster is refused, privately.
    said = await click(slack, standin, OUTSIDER, ids.VOTE_APPROVE, ts, value)
    assert "only members of the working group can vote" in said
    assert await count(bot, Vote) == 0

    # One member of each constituency votes; the post shows quorum as soon as it is met.
    said = await click(slack, standin, first["group"], ids.VOTE_FURTHER_WORK, ts, value)
    assert "Vote recorded: *Further work*" in said
    assert "Quorum: not yet" in post_text(standin, ts)
    for constituency in ("lived", "councillor", "officer", "national", "trustee"):
        await click(slack, standin, first[constituency], ids.VOTE_APPROVE, ts, value)
    text = post_text(standin, ts)
    assert "(6 cast)" in text
    assert "Quorum: met" in text
    assert "Recommendation: Approve" in text
    assert "group" in text and "City of Sanctuary groups: 1 further work" in text

    # A change of mind is kept in the history.
    said = await click(slack, standin, first["group"], ids.VOTE_APPROVE, ts, value)
    assert "changed from *Further work* to *Approve*" in said
    assert await count(bot, VoteChange) == 7

    # Helen (trustee) declares a conflict: her vote is withdrawn and she is recused.
    helen = first["trustee"]
    await slack.block_action(helen, ids.DECLARE_CONFLICT, message_ts=ts, value=value)
    await standin.wait_for("views.open")
    modal = standin.last_view(helen)
    assert modal is not None and modal["callback_id"] == ids.CONFLICT_VIEW
    empty = slack.fill_view_state(modal, {ids.CONFLICT_REASON_BLOCK: "   "})
    await slack.view_submission(helen, modal, empty)
    assert standin.view_errors(modal["id"]) is not None  # a reason is required
    filled = slack.fill_view_state(
        modal, {ids.CONFLICT_REASON_BLOCK: "I chair <b>the council's</b> welcome group"}
    )
    await slack.view_submission(helen, modal, filled)
    await standin.wait_until(
        lambda: any("Conflict of interest recorded" in e.text for e in standin.ephemerals(helen))
    )
    assert "Your earlier vote (Approve) is withdrawn" in standin.ephemerals(helen)[-1].text
    assert "Recused: @Helen" in post_text(standin, ts)
    assert "(5 cast)" in post_text(standin, ts)
    said = await click(slack, standin, helen, ids.VOTE_APPROVE, ts, value)
    assert "declared a conflict" in said
    assert await count(bot, Conflict) == 1

    # Ruth replies in the thread; Slack delivers the event twice; it is recorded once.
    ruth = first["group"]
    reply = standin.add_user_message(CHANNEL_ID, ruth, "Strong evidence &amp; a real plan", ts)
    event = build_message_event(ruth, reply.text, channel=CHANNEL_ID, ts=reply.ts, thread_ts=ts)
    assert (await slack.event(event, event_id="EvRUTH0001")).status == 200
    assert (await slack.event(event, event_id="EvRUTH0001", retry_num=1)).status == 200
    await eventually(lambda: _comments(bot, 1))
    await slack.message_changed_event(CHANNEL_ID, reply.ts, "Strong evidence, a real plan", ruth)
    await eventually(lambda: _comment_edited(bot))
    # A message outside any application's thread is not a comment.
    await slack.message_event(ruth, "Coffee at 11?")
    assert await count(bot, Comment) == 1

    # Only staff record the decision.
    said = await click(slack, standin, OUTSIDER, ids.RECORD_DECISION, ts, value)
    assert "recorded by City of Sanctuary UK staff" in said
    await slack.block_action(STAFF, ids.RECORD_DECISION, message_ts=ts, value=value)
    await standin.wait_until(lambda: _top_callback(standin, STAFF) == ids.DECISION_VIEW)
    decision_modal = standin.last_view(STAFF)
    assert decision_modal is not None
    modal_text = str(decision_modal["blocks"])
    assert "Recused" in modal_text and "welcome group" in modal_text  # staff see why
    outcome = next(
        b for b in decision_modal["blocks"] if b.get("block_id") == ids.DECISION_OUTCOME_BLOCK
    )
    assert outcome["element"]["initial_option"]["value"] == "approved"  # the recommendation
    assert not any(
        b.get("block_id") == ids.DECISION_NO_QUORUM_BLOCK for b in decision_modal["blocks"]
    )
    state = slack.fill_view_state(
        decision_modal, {ids.DECISION_RATIONALE_BLOCK: "All five criteria are well evidenced."}
    )
    await slack.view_submission(STAFF, decision_modal, state)
    await standin.wait_until(lambda: len(standin.thread(CHANNEL_ID, ts)) >= 2)
    announcement = standin.thread(CHANNEL_ID, ts)[-1]
    assert announcement.is_bot and "Approved" in announcement.text
    text = post_text(standin, ts)
    assert "Decision, round 1: Approved" in text
    assert "status: approved" in text
    assert "Approve" not in [b.get("text") for b in _buttons(standin, ts)]

    async with bot.deps.sessions() as session:
        application = await session.get(Application, app_id)
        assert application is not None and application.status == "approved"
        membership = (await session.exec(select(Membership))).one()
        assert membership.application_id == app_id
        assert membership.starts_on.isoformat() == "2026-03-02"
        assert membership.ends_on.isoformat() == "2029-03-02"
        actions = set((await session.exec(select(AuditEntry.action))).all())
    assert {
        "vote.cast",
        "vote.changed",
        "vote.withdrawn",
        "conflict.declared",
        "comment.added",
        "comment.edited",
        "decision.recorded",
        "membership.created",
    } <= actions

    # The votes are frozen, and the bot's own thread post was not taken for a comment.
    said = await click(slack, standin, first["lived"], ids.VOTE_DECLINE, ts, value)
    assert "votes are final" in said
    assert await count(bot, Comment) == 1
    assert await count(bot, Decision) == 1
    said = await click(slack, standin, STAFF, ids.RECORD_DECISION, ts, value)
    assert "already decided" in said


async def _comments(bot: Runtime, expected: int) -> bool:
    return await count(bot, Comment) == expected


async def _comment_edited(bot: Runtime) -> bool:
    async with bot.deps.sessions() as session:
        comment = (await session.exec(select(Comment))).one()
    return comment.edited_at is not None and comment.text == "Strong evidence, a real plan"


def _top_callback(standin: SlackStandIn, user: str) -> str | None:
    view = standin.last_view(user)
    return view.get("callback_id") if view else None


def _buttons(standin: SlackStandIn, ts: str) -> list[dict[str, Any]]:
    message = standin.find_message(CHANNEL_ID, ts)
    assert message is not None
    return [
        e for b in message.blocks or [] if b.get("type") == "actions" for e in b.get("elements", [])
    ]
