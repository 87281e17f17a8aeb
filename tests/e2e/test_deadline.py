"""The deadline closes the round (DESIGN.md section 4, "Deadline"; issue 12 item 6).

Reported: six days after the deadline a vote was still accepted, the post still said "under
review", and nobody was told. The scan is called with the moved clock, as the scheduler calls it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlmodel import select

from bot.domain import ids
from bot.runtime import Runtime
from bot.standin import CHANNEL_ID, SignedSlackClient, SlackStandIn, render_blocks_as_text
from models.tables import AuditEntry, Vote
from scheduler.review import send_review_reminders
from tests.conftest import OUTSIDER, STAFF, STAFF_2
from tests.e2e.helpers_review import (
    ROSTER,
    add_roster,
    click,
    one_of_each,
    post_application,
    post_text,
)
from tests.e2e.test_review import count

DAYS = timedelta(days=1)


def _dms_to(standin: SlackStandIn, user: str) -> list[dict[str, Any]]:
    return [
        c.args for c in standin.calls("chat.postMessage") if c.ok and c.args.get("channel") == user
    ]


def _buttons(standin: SlackStandIn, ts: str) -> list[str]:
    message = standin.find_message(CHANNEL_ID, ts)
    assert message is not None
    return [
        str(e.get("action_id"))
        for b in message.blocks or []
        if b.get("type") == "actions"
        for e in b.get("elements", [])
    ]


def _home(standin: SlackStandIn, user: str) -> str:
    view = standin.home_view(user)
    assert view is not None
    return render_blocks_as_text("", view["blocks"])


async def _command(slack: SignedSlackClient, standin: SlackStandIn, user: str, text: str) -> str:
    before = len(standin.responses())
    await slack.slash_command(user, text)
    await standin.wait_until(lambda: len(standin.responses()) > before)
    body = standin.responses()[-1].body
    return render_blocks_as_text(str(body["text"]), body.get("blocks"))


async def test_the_deadline_stops_voting_and_staff_are_told_once(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await add_roster(bot.deps, standin)
    app_id, ts = await post_application(bot.deps, standin)
    value = f"{app_id}:1"
    first = one_of_each()
    for constituency in ("councillor", "officer"):
        await click(slack, standin, first[constituency], ids.VOTE_APPROVE, ts, value)
    deadline = bot.deps.clock.now() + 14 * DAYS

    # Six days after the deadline (the bot was down): one scan closes the round.
    bot.deps.clock.set(deadline + 6 * DAYS)
    said = await click(slack, standin, first["lived"], ids.VOTE_APPROVE, ts, value)
    assert "Voting closed at the deadline" in said and "\n" not in said
    assert await count(bot, Vote) == 2
    await send_review_reminders(bot.deps, bot.client)
    text = post_text(standin, ts)
    assert "under review" not in text
    assert "voting closed" in text and "awaiting decision" in text
    buttons = _buttons(standin, ts)
    assert not set(ids.VOTE_ACTIONS) & set(buttons)
    assert ids.RECORD_DECISION in buttons
    # Home no longer asks for a vote on it; staff see it awaits their decision; so does status.
    assert await bot.deps.home_tabs.settled(10)  # published a moment after the scan
    assert "Sheffield" not in _home(standin, first["lived"])
    assert "awaiting decision" in _home(standin, STAFF)
    status = await _command(slack, standin, first["lived"], "status sheffield")
    assert "Voting closed at the deadline" in status

    # Each member of staff gets one "ready to decide" DM with the tally and what quorum lacks.
    for person in (STAFF, STAFF_2):
        (dm,) = _dms_to(standin, person)
        assert "ready to decide" in dm["text"]
        assert "2 votes" in dm["text"] and "2 approve" in dm["text"]
        assert "no vote yet from lived experience of seeking sanctuary" in dm["text"]
    # Scanning again, or after a restart (a new process: only the database remembers), sends
    # nothing more.
    await send_review_reminders(bot.deps, bot.client)
    restarted = replace(bot.deps, slack_health=type(bot.deps.slack_health)())
    await send_review_reminders(restarted, bot.client)
    assert [len(_dms_to(standin, p)) for p in (STAFF, STAFF_2)] == [1, 1]
    async with bot.deps.sessions() as session:
        actions = (await session.exec(select(AuditEntry.action))).all()
    assert actions.count("reminder.ready_to_decide_sent") == 2

    # Staff still decide: the decision form opens after the deadline.
    opened = len(standin.calls("views.open"))
    await slack.block_action(STAFF, ids.RECORD_DECISION, message_ts=ts, value=value)
    await standin.wait_for("views.open", count=opened + 1)
    form = standin.last_view(STAFF)
    assert form is not None and form["callback_id"] == ids.DECISION_VIEW


async def test_extend_reopens_voting_and_reminds_the_constituencies_quorum_lacks(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await add_roster(bot.deps, standin)
    app_id, ts = await post_application(bot.deps, standin)
    value = f"{app_id}:1"
    first = one_of_each()
    for constituency in ("councillor", "officer", "group"):
        await click(slack, standin, first[constituency], ids.VOTE_APPROVE, ts, value)
    deadline = bot.deps.clock.now() + 14 * DAYS
    bot.deps.clock.set(deadline + 2 * DAYS)
    await send_review_reminders(bot.deps, bot.client)
    assert "awaiting decision" in post_text(standin, ts)

    # Staff only; the words are checked.
    said = await _command(slack, standin, OUTSIDER, "extend sheffield 7 Lived experience away")
    assert "is for City of Sanctuary UK staff" in said
    said = await _command(slack, standin, STAFF, "extend sheffield")
    assert "/sanctuary extend <council> <days> <reason>" in said
    said = await _command(slack, standin, STAFF, "extend sheffield 7")
    assert "reason" in said
    # A council misspelt: the error says so in one line, and what was typed is shown to copy.
    said = await _command(slack, standin, STAFF, "extend sheffeld 7 No <lived> vote & yet")
    error, typed = said.splitlines()
    assert error.startswith("No application under review matches `sheffeld`")
    assert typed == "You typed: /sanctuary extend sheffeld 7 No <lived> vote & yet"
    assert "No &lt;lived&gt; vote &amp; yet" in str(standin.responses()[-1].body)
    said = await _command(slack, standin, STAFF, "extend sheffield 7 No lived-experience vote yet")
    assert "Voting on Sheffield City Council reopened until" in said
    new_deadline = bot.deps.clock.now() + 7 * DAYS
    text = post_text(standin, ts)
    assert "under review" in text and "awaiting decision" not in text
    assert set(ids.VOTE_ACTIONS) <= set(_buttons(standin, ts))
    async with bot.deps.sessions() as session:
        audit = (
            await session.exec(select(AuditEntry).where(AuditEntry.action == "round.extended"))
        ).one()
    assert audit.actor == STAFF and "No lived-experience vote yet" in audit.detail
    history = await _command(slack, standin, STAFF, "history sheffield")
    assert "extended the review by 7 days" in history
    assert "No lived-experience vote yet" in history
    # The deadline moving is public (stage and dates); who moved it, and why, are not.
    public = await _command(slack, standin, OUTSIDER, "history sheffield")
    assert "Staff extended the review by 7 days (round 1), reopening voting" in public
    assert "No lived-experience vote yet" not in public and STAFF not in public
    member = await _command(slack, standin, first["lived"], "history sheffield")
    assert "extended the review by 7 days" in member
    assert "No lived-experience vote yet" not in member

    # Three days before the new deadline: only those who have not voted in the constituency
    # quorum lacks (lived experience) are reminded; once for this extension.
    bot.deps.clock.set(new_deadline - 3 * DAYS)
    report = await send_review_reminders(bot.deps, bot.client)
    assert sorted(user for _, user, _ in report.vote_reminders) == ["U0LIVED001", "U0LIVED002"]
    again = await send_review_reminders(bot.deps, bot.client)
    assert again.vote_reminders == []
    # Yonas votes: quorum is met, so one day before every non-voter is reminded (the extension
    # asks for more voices), Yonas and the earlier voters not.
    await click(slack, standin, "U0LIVED002", ids.VOTE_APPROVE, ts, value)
    bot.deps.clock.set(new_deadline - 1 * DAYS)
    report = await send_review_reminders(bot.deps, bot.client)
    reminded = sorted(user for _, user, _ in report.vote_reminders)
    assert "U0LIVED002" not in reminded and "U0LIVED001" in reminded
    assert "U0NATNL001" in reminded and "U0CLLR0001" not in reminded

    # The new deadline closes the round again, and staff are told again (once).
    bot.deps.clock.set(new_deadline)
    said = await click(slack, standin, "U0LIVED001", ids.VOTE_APPROVE, ts, value)
    assert "Voting closed at the deadline" in said
    await send_review_reminders(bot.deps, bot.client)
    await send_review_reminders(bot.deps, bot.client)
    assert len(_dms_to(standin, STAFF)) >= 2
    ready = [d for d in _dms_to(standin, STAFF) if "ready to decide" in d["text"]]
    assert len(ready) == 2


async def test_reminders_of_an_extension_go_to_every_non_voter_when_only_votes_are_short(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await add_roster(bot.deps, standin)
    app_id, ts = await post_application(bot.deps, standin)
    value = f"{app_id}:1"
    first = one_of_each()
    for constituency in ("lived", "councillor", "officer"):
        await click(slack, standin, first[constituency], ids.VOTE_APPROVE, ts, value)
    said = await _command(slack, standin, STAFF, "extend sheffield 5 One more voice please")
    assert "reopened until" in said or "extended until" in said
    new_deadline = bot.deps.clock.now() + 19 * DAYS
    bot.deps.clock.set(new_deadline - 3 * DAYS)
    report = await send_review_reminders(bot.deps, bot.client)
    voted = {first[c] for c in ("lived", "councillor", "officer")}
    reminded = {user for _, user, _ in report.vote_reminders}
    assert reminded == set(ROSTER) - voted
