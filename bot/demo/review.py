"""The review in the demo: roster, votes, reminders, a conflict, a threaded comment (delivered
twice), and the decision. Everything goes through signed requests; the reminder scan is called
with the moved clock, as the scheduler would call it.

These chapters follow the registration chapter: they find the application's post in the
channel (or `story.facts["application_id"]` / `story.facts["post_ts"]` when given).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import func, select

from bot.demo.story import CAST, STAFF_ID, Story
from bot.domain import ids
from bot.services.applications import load_view
from bot.standin import CHANNEL_ID, build_message_event
from bot.standin.server import Message
from models.tables import Comment
from scheduler.review import send_review_reminders

AMIRA, YONAS, PATEL = "U0DEMOLIV1", "U0DEMOLIV2", "U0DEMOCLR1"
GARETH, RUTH, JOE, HELEN = "U0DEMOOFF1", "U0DEMOGRP1", "U0DEMONAT1", "U0DEMOTRU1"
VISITOR = "U0DEMOVIS1"  # in the workspace, neither staff nor on the roster


def _name(user: str) -> str:
    return CAST[user][0] if user in CAST else "a visitor"


def _vote_button_value(message: Message) -> str | None:
    for block in message.blocks or []:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == ids.VOTE_APPROVE:
                return str(element.get("value"))
    return None


def _the_post(story: Story) -> tuple[str, str]:
    """(post ts, button value "<application id>:<round>") of the application under review."""
    ts = story.facts.get("post_ts")
    candidates = [m for m in story.slack.messages(CHANNEL_ID) if m.is_bot]
    if isinstance(ts, str):
        candidates = [m for m in candidates if m.ts == ts]
    wanted = story.facts.get("application_id")
    for message in reversed(candidates):
        value = _vote_button_value(message)
        if value and (wanted is None or value.split(":")[0] == str(wanted)):
            story.facts.setdefault("application_id", int(value.split(":")[0]))
            story.facts["post_ts"] = message.ts
            return message.ts, value
    raise RuntimeError("the review chapters need an application's post in the channel")


def _ready(story: Story) -> bool:
    """Whether an application's post is in the channel; if not, say so (nothing to review)."""
    try:
        _the_post(story)
    except RuntimeError:
        story.say("(No application has been posted yet, so there is nothing to review here.)")
        return False
    return True


async def _private_answer(story: Story, user: str, before: int) -> None:
    await story.slack.wait_until(lambda: len(story.slack.ephemerals(user)) > before)
    answer = story.slack.ephemerals(user)[-1]
    story.show_private(_name(user), answer.text, answer.blocks)


async def _command(story: Story, user: str, text: str) -> dict[str, Any]:
    before = len(story.slack.responses())
    reply = await story.client.slash_command(user, text)
    if reply.status != 200:
        raise RuntimeError(f"the bot answered HTTP {reply.status} to /sanctuary {text}")
    await story.slack.wait_until(lambda: len(story.slack.responses()) > before)
    return story.slack.responses()[-1].body


async def _click(story: Story, user: str, action_id: str, *, show: bool = True) -> None:
    ts, value = _the_post(story)
    before = len(story.slack.ephemerals(user))
    await story.client.block_action(user, action_id, message_ts=ts, value=value)
    await story.slack.wait_until(lambda: len(story.slack.ephemerals(user)) > before)
    if show:
        await _private_answer(story, user, before)


async def roster_chapter(story: Story) -> None:
    story.chapter("Staff set up the working group")
    for user, (name, constituency) in CAST.items():
        if constituency == "staff":
            continue
        # Slack shows the mention Sam picked as @name; the bot receives <@U…|name>.
        story.say(f"Sam types `/sanctuary group add @{name} {constituency}`.")
        body = await _command(story, STAFF_ID, f"group add <@{user}|{name}> {constituency}")
        if "Added" not in str(body.get("text")):
            raise RuntimeError(f"adding {name} failed: {body.get('text')}")
    story.say("Sam mistypes a keyword: `/sanctuary group add @Helen trustees`.")
    body = await _command(story, STAFF_ID, f"group add <@{HELEN}|Helen> trustees")
    story.show_private("Sam", str(body.get("text", "")), body.get("blocks"))
    story.say("Members of the working group (and staff) see the roster with `/sanctuary group`:")
    body = await _command(story, RUTH, "group")
    story.show_private(_name(RUTH), str(body.get("text", "")), body.get("blocks"))
    story.say("Someone outside the working group asks too; who is on it is not theirs to see:")
    body = await _command(story, VISITOR, "group")
    story.show_private(_name(VISITOR), str(body.get("text", "")), body.get("blocks"))


async def _deadline(story: Story) -> datetime:
    _, value = _the_post(story)
    async with story.runtime.deps.sessions() as session:  # read only
        view = await load_view(session, int(value.split(":")[0]))
    if view.round is None or view.round.deadline_at is None:
        raise RuntimeError("the application has no review deadline")
    return view.round.deadline_at


async def first_votes_chapter(story: Story) -> None:
    if not _ready(story):
        return
    story.chapter("The first votes")
    for user, action, label in (
        (PATEL, ids.VOTE_APPROVE, "Approve"),
        (GARETH, ids.VOTE_FURTHER_WORK, "Further work"),
        (JOE, ids.VOTE_APPROVE, "Approve"),
    ):
        story.say(f"{_name(user)} clicks {label} on the post.")
        await _click(story, user, action, show=user == PATEL)
    story.say("Someone not on the roster tries to vote:")
    outsider = "U0DEMOVIS1"
    if story.slack.user(outsider) is None:
        story.slack.add_user(outsider, "Visitor")
    before = len(story.slack.ephemerals(outsider))
    ts, value = _the_post(story)
    await story.client.block_action(outsider, ids.VOTE_APPROVE, message_ts=ts, value=value)
    await _private_answer(story, outsider, before)
    story.show_channel("The post after three votes")


async def reminders_chapter(story: Story) -> None:
    if not _ready(story):
        return
    deadline = await _deadline(story)
    story.clock.set(deadline - timedelta(days=3))
    story.chapter("Three days before the deadline, the bot nudges those who have not voted")
    deps, client = story.runtime.deps, story.runtime.client
    report = await send_review_reminders(deps, client)
    story.say(
        "Direct messages to: "
        + ", ".join(_name(user) for _, user, _ in report.vote_reminders)
        + " (the scan runs every 15 minutes; each reminder goes once)."
    )
    dm = next(
        c for c in reversed(story.slack.calls("chat.postMessage")) if c.args["channel"] == AMIRA
    )
    story.show_private(_name(AMIRA), str(dm.args["text"]), dm.args.get("blocks"))
    again = await send_review_reminders(deps, client)
    story.say(f"The next scan sends {len(again.vote_reminders)} more.")
    story.clock.set(deadline - timedelta(days=2))
    story.chapter("Two days before, quorum is still missing: the channel is told")
    await send_review_reminders(deps, client)
    ts, _ = _the_post(story)
    warning = story.slack.thread(CHANNEL_ID, ts)[-1]
    story.show_public("in the post's thread, also sent to the channel", warning)


async def more_votes_chapter(story: Story) -> None:
    if not _ready(story):
        return
    story.chapter("Everyone else votes; a trustee declares a conflict")
    reminders = story.slack.messages(story.slack.dm_channel_id(AMIRA))
    if reminders:
        story.say("Amira clicks Approve in her reminder, without opening the channel:")
        before = len(story.slack.ephemerals(AMIRA))
        await story.client.block_action(
            AMIRA,
            ids.VOTE_APPROVE,
            channel_id=story.slack.dm_channel_id(AMIRA),
            message_ts=reminders[-1].ts,
        )
        await _private_answer(story, AMIRA, before)
    for user in (YONAS, RUTH, HELEN) if reminders else (AMIRA, YONAS, RUTH, HELEN):
        story.say(f"{_name(user)} clicks Approve.")
        await _click(story, user, ids.VOTE_APPROVE, show=False)
    story.say("Gareth changes his mind from Further work to Approve:")
    await _click(story, GARETH, ids.VOTE_APPROVE)
    story.say("Helen realises she sits on the council's refugee forum and clicks Declare conflict.")
    ts, value = _the_post(story)
    views_before = len(story.slack.calls("views.open"))
    await story.client.block_action(HELEN, ids.DECLARE_CONFLICT, message_ts=ts, value=value)
    await story.slack.wait_until(lambda: len(story.slack.calls("views.open")) > views_before)
    modal = story.slack.last_view(HELEN)
    if modal is None:
        raise RuntimeError("the conflict form did not open")
    before = len(story.slack.ephemerals(HELEN))
    state = story.client.fill_view_state(
        modal, {ids.CONFLICT_REASON_BLOCK: "I sit on the council's refugee forum."}
    )
    await story.client.view_submission(HELEN, modal, state)
    await _private_answer(story, HELEN, before)
    story.say("She tries to vote again anyway:")
    await _click(story, HELEN, ids.VOTE_APPROVE)


async def thread_chapter(story: Story) -> None:
    if not _ready(story):
        return
    story.chapter("Discussion in the thread; Slack delivers one event twice")
    ts, _ = _the_post(story)
    text = "The joint work with the local group is impressive &amp; well documented."
    reply = story.slack.add_user_message(CHANNEL_ID, RUTH, text, ts)
    event = build_message_event(RUTH, text, channel=CHANNEL_ID, ts=reply.ts, thread_ts=ts)
    story.say("Ruth replies in the post's thread; the bot records it against the application.")
    await story.client.event(event, event_id="EvDEMORUTH1")
    story.say("Slack did not see the answer in time and retries the same event (retry 1).")
    await story.client.event(event, event_id="EvDEMORUTH1", retry_num=1)
    application_id = int(str(story.facts["application_id"]))
    for _ in range(250):  # events are handled after Slack's ack: give it up to 5 seconds
        recorded = await _comments(story, application_id)
        if recorded >= 1:
            break
        await asyncio.sleep(0.02)
    story.say(
        f"Comments recorded against the application: {recorded} "
        "(event ids are claimed under a unique key before acting)."
    )


async def _comments(story: Story, application_id: int) -> int:
    async with story.runtime.deps.sessions() as session:  # read only
        rows = await session.exec(
            select(func.count())
            .select_from(Comment)
            .where(Comment.application_id == application_id)
        )
        return int(rows.one())


async def decision_chapter(story: Story) -> None:
    if not _ready(story):
        return
    story.chapter("Staff record the decision")
    ts, value = _the_post(story)
    views_before = len(story.slack.calls("views.open"))
    story.say("Sam clicks Record decision; the form starts with the recommendation.")
    await story.client.block_action(STAFF_ID, ids.RECORD_DECISION, message_ts=ts, value=value)
    await story.slack.wait_until(lambda: len(story.slack.calls("views.open")) > views_before)
    modal = story.slack.last_view(STAFF_ID)
    if modal is None:
        raise RuntimeError("the decision form did not open")
    story.show_private("Sam", "", modal.get("blocks"))
    story.say("(Approved is preselected, from the recommendation.) Sam writes the rationale.")
    thread_before = len(story.slack.thread(CHANNEL_ID, ts))
    state = story.client.fill_view_state(
        modal,
        {
            ids.DECISION_OUTCOME_BLOCK: "approved",
            ids.DECISION_RATIONALE_BLOCK: "All five criteria are met and well evidenced; "
            "the working group recommends approval.",
        },
    )
    await story.client.view_submission(STAFF_ID, modal, state)
    await story.slack.wait_until(lambda: len(story.slack.thread(CHANNEL_ID, ts)) > thread_before)
    story.show_channel("The channel after the decision")


CHAPTERS = [
    roster_chapter,
    first_votes_chapter,
    reminders_chapter,
    more_votes_chapter,
    thread_chapter,
    decision_chapter,
]
