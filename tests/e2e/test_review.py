"""The review end to end: signed clicks, modals and thread events against the real app."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlmodel import col, func, select

from bot.blocks.application import tally_text
from bot.domain import ids
from bot.runtime import Runtime
from bot.sending.posts import refresh_post
from bot.services.applications import load_view
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
from tests.e2e.helpers_review import add_roster, click, one_of_each, post_application, post_text


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:  # noqa: ASYNC109
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
    assert "is for City of Sanctuary UK staff" in said
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
    no_quorum = next(
        b for b in decision_modal["blocks"] if b.get("block_id") == ids.DECISION_NO_QUORUM_BLOCK
    )
    assert no_quorum["optional"] and "Quorum is met" in no_quorum["hint"]["text"]
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
    assert "already recorded" in said
    assert standin.warnings == []


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


async def test_fifty_concurrent_clicks_from_25_members_give_the_exact_tally(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    constituencies = ["lived", "councillor", "officer", "group", "national"]
    roster = {f"U0CROWD{i:03d}": (f"Member {i}", constituencies[i % 5]) for i in range(25)}
    await add_roster(bot.deps, standin, roster)
    app_id, ts = await post_application(bot.deps, standin)
    value = f"{app_id}:1"
    buttons = [ids.VOTE_APPROVE, ids.VOTE_DECLINE, ids.VOTE_FURTHER_WORK, ids.VOTE_ABSTAIN]
    # Everyone double-clicks: 50 clicks at once, each member's two on the same button.
    plan = {user: buttons[i % 4] for i, user in enumerate(roster)}
    clicks = [
        slack.block_action(user, action, message_ts=ts, value=value)
        for user, action in plan.items()
        for _ in range(2)
    ]
    replies = await asyncio.gather(*clicks)
    assert all(r.status == 200 for r in replies)
    await standin.wait_until(lambda: len(standin.ephemerals()) >= 50, timeout=60)

    assert await count(bot, Vote) == 25
    assert await count(bot, VoteChange) == 25  # the second click of each pair changes nothing
    expected = {action: list(plan.values()).count(action) for action in buttons}
    assert expected == {
        ids.VOTE_APPROVE: 7,
        ids.VOTE_DECLINE: 6,
        ids.VOTE_FURTHER_WORK: 6,
        ids.VOTE_ABSTAIN: 6,
    }
    async with bot.deps.sessions() as session:
        rows = (await session.exec(select(Member.slack_user_id, Vote.choice).join(Vote))).all()
    choice_of = {ids.VOTE_APPROVE: "approve", ids.VOTE_DECLINE: "decline"}
    choice_of |= {ids.VOTE_FURTHER_WORK: "further_work", ids.VOTE_ABSTAIN: "abstain"}
    assert dict(rows) == {user: choice_of[action] for user, action in plan.items()}

    # The post's last state (after every update) shows the same tally as the database.
    text = post_text(standin, ts)
    assert "(25 cast)" in text
    by_constituency: dict[str, dict[str, int]] = {}
    for i, action in enumerate(plan.values()):
        counts = by_constituency.setdefault(constituencies[i % 5], {})
        counts[choice_of[action]] = counts.get(choice_of[action], 0) + 1
    labels = {"approve": "approve", "further_work": "further work"}
    labels |= {"decline": "decline", "abstain": "abstain"}
    names = {
        "lived": "lived experience of seeking sanctuary",
        "councillor": "councillors",
        "officer": "council officers",
        "group": "City of Sanctuary groups",
        "national": "the national team",
    }
    order = ["approve", "further_work", "decline", "abstain"]
    for constituency, counts in by_constituency.items():
        parts = ", ".join(f"{counts[c]} {labels[c]}" for c in order if counts.get(c))
        assert f"• {names[constituency]}: {parts}" in text
    assert "trustees: no vote yet" in text

    # Now everyone changes their mind twice at once: whichever click lands last wins, and the
    # post still ends showing exactly what the database holds.
    before = len(standin.ephemerals())
    clicks = [
        slack.block_action(user, action, message_ts=ts, value=value)
        for i, user in enumerate(roster)
        for action in (buttons[(i + 1) % 4], buttons[(i + 2) % 4])
    ]
    await asyncio.gather(*clicks)
    await standin.wait_until(lambda: len(standin.ephemerals()) >= before + 50, timeout=60)
    async with bot.deps.sessions() as session:
        view = await load_view(session, app_id)
        changes = (await session.exec(select(VoteChange).order_by(col(VoteChange.id)))).all()
        votes = (await session.exec(select(Vote))).all()
    last_change = {c.member_id: c.choice for c in changes}
    assert len(votes) == 25
    assert {v.member_id: v.choice for v in votes} == last_change
    assert view.tally.total == 25
    assert tally_text(view, bot.deps.settings.rules, bot.deps.clock.now()).replace(
        "*", ""
    ) in post_text(standin, ts)
    assert standin.warnings == []


async def test_roster_commands(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    standin.add_user("U0NEWMEMB1", "Amira")

    async def run(user: str, text: str) -> str:
        before = len(standin.responses())
        await slack.slash_command(user, text)
        await standin.wait_until(lambda: len(standin.responses()) > before)
        body = standin.responses()[-1].body
        assert body["response_type"] == "ephemeral"
        return str(body["text"])

    assert "is for City of Sanctuary UK staff" in await run(
        OUTSIDER, "group add <@U0NEWMEMB1> lived"
    )
    said = await run(STAFF, "group add <@U0NEWMEMB1|amira> refugees")
    assert "Use one of `lived`, `councillor`, `officer`, `group`, `national`, `trustee`" in said
    assert "can't find the user" in await run(STAFF, "group add <@U0NOBODY99> lived")
    assert "is not a Slack user" in await run(STAFF, "group add amira lived")
    assert "Added <@U0NEWMEMB1>" in await run(STAFF, "group add <@U0NEWMEMB1|amira> lived")
    assert "Moved <@U0NEWMEMB1> from lived" in await run(STAFF, "group add U0NEWMEMB1 Trustee")
    assert "the roster is for the working group" in await run(OUTSIDER, "group")
    roster = await run("U0NEWMEMB1", "group")  # a member of the working group sees it
    assert "trustees* (`trustee`): <@U0NEWMEMB1>" in roster
    assert "lived experience of seeking sanctuary* (`lived`): _nobody yet_" in roster
    assert "Removed <@U0NEWMEMB1>" in await run(STAFF, "group remove <@U0NEWMEMB1>")
    assert "not on the working-group roster" in await run(STAFF, "group remove <@U0NEWMEMB1>")
    assert "nobody yet" in await run(STAFF, "group")
    assert "Welcomed <@U0NEWMEMB1> back" in await run(STAFF, "group add <@U0NEWMEMB1> group")
    async with bot.deps.sessions() as session:
        member = (await session.exec(select(Member))).one()
        actions = (await session.exec(select(AuditEntry.action).order_by(AuditEntry.id))).all()
    assert member.active and member.constituency == "group" and member.removed_at is None
    assert actions == ["member.added", "member.added", "member.removed", "member.added"]


async def test_decide_command_without_quorum_needs_a_reason(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await add_roster(bot.deps, standin)
    app_id, ts = await post_application(bot.deps, standin)
    await post_application(bot.deps, standin, council_name="Sheffield Town Council", code="local:x")
    lived = one_of_each()["lived"]
    await click(slack, standin, lived, ids.VOTE_DECLINE, ts, f"{app_id}:1")

    await slack.slash_command(STAFF, "decide sheffield")
    await standin.wait_until(lambda: bool(standin.responses()))
    assert "Several applications" in standin.responses()[-1].body["text"]
    await slack.slash_command(OUTSIDER, "decide sheffield city")
    await standin.wait_until(lambda: len(standin.responses()) >= 2)
    assert "is for City of Sanctuary UK staff" in standin.responses()[-1].body["text"]

    await slack.slash_command(STAFF, "decide SHEFFIELD CITY")
    await standin.wait_for("views.open")
    modal = standin.last_view(STAFF)
    assert modal is not None
    assert "Quorum: *not met*: 3 more votes (1 of 4)" in str(modal["blocks"])
    outcome = next(b for b in modal["blocks"] if b.get("block_id") == ids.DECISION_OUTCOME_BLOCK)
    assert outcome["element"]["initial_option"]["value"] == "declined"
    answers = {
        ids.DECISION_OUTCOME_BLOCK: "further_work",
        ids.DECISION_RATIONALE_BLOCK: "Please send the endorsement letter.",
    }
    await slack.view_submission(STAFF, modal, slack.fill_view_state(modal, answers))
    errors = standin.view_errors(modal["id"])
    assert errors is not None and "Quorum is not met" in errors[ids.DECISION_NO_QUORUM_BLOCK]
    assert await count(bot, Decision) == 0

    answers[ids.DECISION_NO_QUORUM_BLOCK] = "The council meets next week; one question only."
    await slack.view_submission(STAFF, modal, slack.fill_view_state(modal, answers))
    await standin.wait_until(lambda: len(standin.thread(CHANNEL_ID, ts)) >= 1)
    text = post_text(standin, ts)
    assert "Decision, round 1: Further work requested" in text
    assert "Decided without quorum:_ The council meets next week" in text
    assert "Waiting for updated evidence" in text
    assert "Please send the endorsement letter." in standin.thread(CHANNEL_ID, ts)[-1].text
    async with bot.deps.sessions() as session:
        application = await session.get(Application, app_id)
        assert application is not None and application.status == "further_work"
        assert (await session.exec(select(Membership))).all() == []
    # Deciding again is refused clearly; so is voting.
    await slack.view_submission(STAFF, modal, slack.fill_view_state(modal, answers))
    errors = standin.view_errors(modal["id"])
    assert errors is not None and "already recorded" in str(errors)
    said = await click(slack, standin, lived, ids.VOTE_APPROVE, ts, f"{app_id}:1")
    assert "votes are final" in said


async def test_moving_a_member_does_not_rewrite_a_cast_vote(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    """The tally counts each vote in the constituency its member voted from."""
    await add_roster(bot.deps, standin)
    app_id, ts = await post_application(bot.deps, standin)
    lived = one_of_each()["lived"]
    await click(slack, standin, lived, ids.VOTE_APPROVE, ts, f"{app_id}:1")
    await slack.slash_command(STAFF, f"group add <@{lived}|amira> trustee")
    await standin.wait_until(lambda: bool(standin.responses()))
    await refresh_post(bot.deps, bot.client, app_id)
    text = post_text(standin, ts)
    assert "lived experience of seeking sanctuary: 1 approve" in text
    assert "trustees: no vote yet" in text
