"""The endorsement as a live step (issue 13, item 3), end to end through signed requests.

The registration form names the endorser as a Slack user; the bot asks them by DM (exactly
once); only they may answer; the post shows the endorsement pending, given or declined; they are
recused from voting on it for good; a question goes to staff and into the history; staff can
record an endorsement given outside Slack.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, func, select

from bot import cli
from bot.domain import ids
from bot.domain.clock import FixedClock
from bot.runtime import Runtime
from bot.sending.reconcile import refresh_posts_and_homes
from bot.sending.scrub import scrub_slack
from bot.standin import SignedSlackClient, SlackStandIn, render_blocks_as_text
from bot.standin.server import CHANNEL_ID
from models.tables import Application, AuditEntry, Conflict, ReminderLedger, ReviewRound
from scheduler.posting import post_pending_applications
from scheduler.review import send_review_reminders
from tests.conftest import OUTSIDER, STAFF, STAFF_2
from tests.e2e.helpers_review import add_roster, click, post_text
from tests.e2e.test_registration import answers, open_modal, pick, submit

ENDORSER = "U0GROUP001"  # Ruth, on the roster (group)
MEMBER = "U0LIVED001"


async def register_with_endorser(
    slack: SignedSlackClient, standin: SlackStandIn, endorser: str = ENDORSER
) -> tuple[int, str]:
    """Register Sheffield naming `endorser` in Slack; (application id, post ts)."""
    view = await open_modal(slack, standin)
    option = await pick(slack, view, "sheff")
    values = answers(
        council=option,
        endorsed_by="City of Sanctuary Sheffield",
        endorsement_date=None,
        endorser_user_id=endorser,
    )
    assert await submit(slack, view, values) is None
    await standin.wait_until(lambda: bool(standin.messages()))
    await standin.wait_until(lambda: bool(dms(standin, endorser)))
    post = standin.messages()[-1]
    return 1, post.ts


def dms(standin: SlackStandIn, user: str) -> list[Any]:
    return standin.messages(standin.dm_channel_id(user))


def dm_text(standin: SlackStandIn, user: str = ENDORSER) -> str:
    """The endorser's DM as they see it now (the bot edits it after each answer)."""
    [dm] = dms(standin, user)
    return render_blocks_as_text(dm.text, dm.blocks, users=standin.user_names())


def dm_buttons(standin: SlackStandIn, user: str = ENDORSER) -> list[str]:
    [dm] = dms(standin, user)
    return [
        element["text"]["text"]
        for block in dm.blocks or []
        if block.get("type") == "actions"
        for element in block["elements"]
    ]


async def press(
    slack: SignedSlackClient, standin: SlackStandIn, user: str, action_id: str, dm: Any
) -> str:
    """Press a button in the endorser's DM as `user`; what only they were told."""
    before = len(standin.ephemerals(user)) + len(standin.responses())
    reply = await slack.block_action(
        user, action_id, channel_id=dm.channel, message_ts=dm.ts, value="1"
    )
    assert reply.status == 200
    await standin.wait_until(
        lambda: len(standin.ephemerals(user)) + len(standin.responses()) > before
    )
    told = [(e.ts, e.text) for e in standin.ephemerals(user)]
    said = [r.body.get("text", "") for r in standin.responses()]
    return (told[-1][1] if told else "") + " " + (said[-1] if said else "")


async def history(slack: SignedSlackClient, standin: SlackStandIn) -> str:
    before = len(standin.responses())
    await slack.slash_command(STAFF, "history sheffield")
    await standin.wait_until(lambda: len(standin.responses()) > before)
    body = standin.responses()[-1].body
    return render_blocks_as_text(body["text"], body.get("blocks"), users=standin.user_names())


async def test_the_named_endorser_is_asked_once_and_the_post_follows_their_answer(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await add_roster(bot.deps, standin)
    app_id, ts = await register_with_endorser(slack, standin)

    [dm] = dms(standin, ENDORSER)
    request = render_blocks_as_text(dm.text, dm.blocks, users=standin.user_names())
    assert "names you as the endorser" in request and "Sheffield City Council" in request
    assert "Endorse" in request and "Cannot endorse" in request and "Ask a question" in request
    assert "Endorsement pending: @Ruth (City of Sanctuary Sheffield)" in post_text(standin, ts)
    # Staff were told that the endorser was asked.
    await standin.wait_until(
        lambda: any(
            "Asked <@U0GROUP001> by direct message" in e.text for e in standin.ephemerals(STAFF)
        )
    )

    # The endorser is recused from voting on it, automatically and for good.
    assert "Recused: @Ruth" in post_text(standin, ts)
    told = await click(slack, standin, ENDORSER, ids.VOTE_APPROVE, ts, f"{app_id}:1")
    assert "named as the endorser" in told and "cannot be withdrawn" in told
    told = await click(slack, standin, ENDORSER, ids.DECLARE_CONFLICT, ts, f"{app_id}:1")
    assert "named as the endorser" in told

    # Nobody else may answer for the endorser.
    for other in (STAFF, MEMBER, OUTSIDER):
        told = await press(slack, standin, other, ids.ENDORSE, dm)
        assert "only the endorser named on this application" in told, other
    assert "Endorsement pending" in post_text(standin, ts)

    told = await press(slack, standin, ENDORSER, ids.ENDORSE, dm)
    assert "your endorsement of *Sheffield City Council*'s application is recorded" in told
    await standin.wait_until(lambda: "Endorsement given by @Ruth" in post_text(standin, ts))
    assert "Endorsement given by @Ruth (City of Sanctuary Sheffield) on 2 March 2026" in (
        post_text(standin, ts)
    )
    # The DM itself now says what they answered, and offers only the other answer.
    await standin.wait_until(lambda: "You endorsed" in dm_text(standin))
    assert "You endorsed *Sheffield City Council*'s application on 2 March 2026." in (
        dm_text(standin)
    )
    assert dm_buttons(standin) == ["Cannot endorse", "Ask a question"]
    assert "You can change your answer while the application is under review" in dm_text(standin)
    told = await press(slack, standin, ENDORSER, ids.ENDORSE, dm)
    assert "already recorded" in told

    told = await press(slack, standin, ENDORSER, ids.CANNOT_ENDORSE, dm)
    assert "you cannot endorse" in told
    await standin.wait_until(lambda: "Endorsement declined by @Ruth" in post_text(standin, ts))
    await standin.wait_until(lambda: "cannot endorse *Sheffield" in dm_text(standin))
    assert "You said on 2 March 2026 that you cannot endorse *Sheffield City Council*'s" in (
        dm_text(standin)
    )
    assert dm_buttons(standin) == ["Endorse", "Ask a question"]

    # The DM went once, however often the retry job runs.
    await post_pending_applications(bot.deps, bot.client)
    await post_pending_applications(bot.deps, bot.client)
    assert len(dms(standin, ENDORSER)) == 1

    timeline = await history(slack, standin)
    assert "Asked @Ruth by direct message to endorse it" in timeline
    assert "@Ruth is recused: named as the endorser" in timeline
    assert "@Ruth endorsed the application for the local group" in timeline
    assert "@Ruth could not endorse the application" in timeline
    async with bot.deps.sessions() as session:
        conflicts = (await session.exec(select(Conflict))).all()
        actions = (await session.exec(select(AuditEntry.action))).all()
    assert [c.reason for c in conflicts] == [
        "Named as the endorser of this application for the local group"
    ]
    assert actions.count("endorsement.given") == 1  # the second press changed nothing


async def test_a_question_goes_to_each_member_of_staff_and_into_the_history(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await add_roster(bot.deps, standin)
    await register_with_endorser(slack, standin)
    [dm] = dms(standin, ENDORSER)

    told = await press(slack, standin, MEMBER, ids.ASK_ENDORSEMENT_QUESTION, dm)
    assert "only the endorser" in told and standin.last_view(MEMBER) is None

    await slack.block_action(
        ENDORSER, ids.ASK_ENDORSEMENT_QUESTION, channel_id=dm.channel, message_ts=dm.ts, value="1"
    )
    await standin.wait_until(lambda: standin.last_view(ENDORSER) is not None)
    form = standin.last_view(ENDORSER)
    assert form is not None
    empty = slack.fill_view_state(form, {ids.ENDORSEMENT_QUESTION_BLOCK: ""})
    await slack.view_submission(ENDORSER, form, empty)
    assert "your question" in str(standin.view_errors(form["id"]))
    # Someone else submitting the endorser's form is refused on the form.
    asked = {ids.ENDORSEMENT_QUESTION_BLOCK: "Does <!channel> the strategy cover housing?"}
    reply = await slack.view_submission(OUTSIDER, form, slack.fill_view_state(form, asked))
    assert isinstance(reply.json, dict) and "only the endorser" in str(reply.json["errors"])

    await slack.view_submission(ENDORSER, form, slack.fill_view_state(form, asked))
    for staff in (STAFF, STAFF_2):
        await standin.wait_until(lambda staff=staff: bool(dms(standin, staff)))  # type: ignore[misc]
        [message] = dms(standin, staff)
        assert "<@U0GROUP001>, named as the endorser of *Sheffield City Council*" in message.text
        assert "&lt;!channel&gt; the strategy cover housing?" in message.text
    await standin.wait_until(lambda: len(dms(standin, ENDORSER)) == 2)
    confirmed = [m.text for m in dms(standin, ENDORSER)[1:]]
    assert confirmed == [
        "Your question went to City of Sanctuary UK staff; they will answer you directly."
    ]
    timeline = await history(slack, standin)
    assert "@Ruth (the endorser) asked staff: “Does <!channel> the strategy" in timeline
    raw = str(standin.responses()[-1].body["blocks"])
    assert "“Does &lt;!channel&gt; the strategy cover housing?”" in raw  # no ping for all


async def test_staff_record_an_endorsement_given_outside_slack(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await add_roster(bot.deps, standin)
    _, ts = await register_with_endorser(slack, standin)

    before = len(standin.responses())
    await slack.slash_command(OUTSIDER, "endorse sheffield Emailed us on Friday")
    await standin.wait_until(lambda: len(standin.responses()) > before)
    assert "is for City of Sanctuary UK staff" in standin.responses()[-1].body["text"]

    await slack.slash_command(STAFF, "endorse sheffield")
    await standin.wait_until(lambda: len(standin.responses()) > before + 1)
    assert "how the endorsement was given" in standin.responses()[-1].body["text"]

    await slack.slash_command(STAFF, "endorse sheffield city council Emailed us on Friday")
    await standin.wait_until(lambda: len(standin.responses()) > before + 2)
    assert "Recorded the endorsement" in standin.responses()[-1].body["text"]
    await standin.wait_until(lambda: "outside Slack" in post_text(standin, ts))
    assert (
        "Endorsement given by @Ruth on 2 March 2026 outside Slack, recorded by @Alex Staff: "
        "Emailed us on Friday" in post_text(standin, ts)
    )
    # The endorser's DM says so (it no longer asks), and no second DM goes.
    await standin.wait_until(lambda: "outside Slack" in dm_text(standin))
    assert (
        "@Alex Staff recorded on 2 March 2026 an endorsement of *Sheffield City Council*'s "
        "application given outside Slack." in dm_text(standin)
    )
    assert dm_buttons(standin) == ["Cannot endorse", "Ask a question"]
    await post_pending_applications(bot.deps, bot.client)
    assert len(dms(standin, ENDORSER)) == 1
    timeline = await history(slack, standin)
    assert "@Alex Staff recorded an endorsement given outside Slack: “Emailed us on Friday”" in (
        timeline
    )


async def test_an_endorser_dm_slack_refused_is_sent_later_exactly_once(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await add_roster(bot.deps, standin)
    view = await open_modal(slack, standin)
    option = await pick(slack, view, "sheff")
    values = answers(council=option, endorsement_date=None, endorser_user_id=ENDORSER)
    standin.fail_next("chat.postMessage", error="msg_too_long", times=2)  # the post and the DM
    assert await submit(slack, view, values) is None
    await standin.wait_until(
        lambda: "endorse" in "".join(e.text for e in standin.ephemerals(STAFF))
    )
    assert dms(standin, ENDORSER) == []
    assert "Could not ask <@U0GROUP001> to endorse it yet" in standin.ephemerals(STAFF)[-1].text

    for _ in range(3):
        await post_pending_applications(bot.deps, bot.client)
    assert len(standin.messages(CHANNEL_ID)) == 1
    assert len(dms(standin, ENDORSER)) == 1
    async with bot.deps.sessions() as session:
        sent = (
            await session.exec(
                select(func.count()).where(col(ReminderLedger.kind) == "endorsement_request")
            )
        ).one()
    assert sent == 1


async def test_the_form_asks_for_a_name_and_date_or_a_slack_user(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    view = await open_modal(slack, standin)
    option = await pick(slack, view, "sheff")
    errors = await submit(
        slack, view, answers(council=option, endorsed_by="", endorsement_date=None)
    )
    assert errors is not None
    assert "or name the endorser in Slack" in errors["endorsed_by"]
    assert "Pick the date the endorsement was given" in errors["endorsement_date"]
    errors = await submit(slack, view, answers(council=option, endorser_user_id=ENDORSER))
    assert errors is not None
    assert "Leave the date empty when the endorser is named in Slack" in errors["endorsement_date"]
    # By name and date, as before: no DM, the endorsement is as stated.
    assert await submit(slack, view, answers(council=option)) is None
    await standin.wait_until(lambda: bool(standin.messages()))
    async with bot.deps.sessions() as session:
        application = (await session.exec(select(Application))).one()
    assert application.endorsement_status == "given" and application.endorser_user_id is None
    assert "Endorsed by The steering group on 31 January 2026" in post_text(
        standin, standin.messages()[-1].ts
    )


async def test_an_endorser_added_to_the_roster_later_is_still_recused(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    """Named before joining the working group: no vote, no reminder to vote, once they join."""
    standin.add_user(ENDORSER, "Ruth")
    await add_roster(bot.deps, standin, {MEMBER: ("Amira", "lived")})
    app_id, ts = await register_with_endorser(slack, standin)
    await add_roster(bot.deps, standin, {ENDORSER: ("Ruth", "group")})

    told = await click(slack, standin, ENDORSER, ids.VOTE_APPROVE, ts, f"{app_id}:1")
    assert "named as the endorser" in told
    async with bot.deps.sessions() as session:
        deadline = (await session.exec(select(ReviewRound.deadline_at))).one()
    assert deadline is not None
    await send_review_reminders(bot.deps, bot.client, now=deadline - timedelta(days=3))
    assert any("vote" in m.text for m in dms(standin, MEMBER))  # the reminders went
    assert [m.text for m in dms(standin, ENDORSER) if "vote" in m.text.lower()] == []


async def _edit(
    slack: SignedSlackClient, standin: SlackStandIn, ts: str, values: dict[str, Any]
) -> None:
    opened = len(standin.calls("views.open"))
    await slack.block_action(STAFF, ids.EDIT_APPLICATION, message_ts=ts, value="1")
    await standin.wait_for("views.open", count=opened + 1)
    form = standin.last_view(STAFF)
    assert form is not None and form["callback_id"] == ids.EDIT_VIEW
    told = len(standin.ephemerals(STAFF))
    await slack.view_submission(STAFF, form, slack.fill_view_state(form, values))
    assert standin.view_errors(form["id"]) is None
    await standin.wait_until(lambda: len(standin.ephemerals(STAFF)) > told)


async def test_an_edit_keeps_a_given_endorsement_and_asks_a_newly_named_endorser(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn, clock: FixedClock
) -> None:
    await add_roster(bot.deps, standin)
    _, ts = await register_with_endorser(slack, standin)
    [dm] = dms(standin, ENDORSER)
    await press(slack, standin, ENDORSER, ids.ENDORSE, dm)
    await standin.wait_until(lambda: "Endorsement given by @Ruth" in post_text(standin, ts))

    # Another field edited a week later: the endorsement stays as given, and dated.
    clock.advance(timedelta(days=7))
    await _edit(slack, standin, ts, {"joint_work": "Welcome events and a shared ESOL directory."})
    assert "Endorsement given by @Ruth (City of Sanctuary Sheffield) on 2 March 2026" in (
        post_text(standin, ts)
    )
    assert len(dms(standin, ENDORSER)) == 1

    # Another endorser named: asked afresh, pending again, and recused too.
    other = "U0GROUP002"
    await _edit(slack, standin, ts, {ids.ENDORSER_USER_BLOCK: other})
    await standin.wait_until(lambda: bool(dms(standin, other)))
    assert "Endorsement pending: @Tom (City of Sanctuary Sheffield) was asked" in (
        post_text(standin, ts)
    )
    assert "Recused: @Ruth, @Tom" in post_text(standin, ts)
    told = await press(slack, standin, ENDORSER, ids.ENDORSE, dm)
    assert "only the endorser named on this application" in told


async def test_what_an_endorser_said_is_their_personal_data_listed_and_erased(
    bot: Runtime,
    slack: SignedSlackClient,
    standin: SlackStandIn,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Subject access lists the endorsement and the questions; erasure removes the questions'
    text from the history and from the staff DMs that carried it, and keeps the answer."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    await add_roster(bot.deps, standin)
    await register_with_endorser(slack, standin)
    [dm] = dms(standin, ENDORSER)
    await slack.block_action(
        ENDORSER, ids.ASK_ENDORSEMENT_QUESTION, channel_id=dm.channel, message_ts=dm.ts, value="1"
    )
    await standin.wait_until(lambda: standin.last_view(ENDORSER) is not None)
    form = standin.last_view(ENDORSER)
    assert form is not None
    asked = {ids.ENDORSEMENT_QUESTION_BLOCK: "My landlord is the council leader; does it matter?"}
    await slack.view_submission(ENDORSER, form, slack.fill_view_state(form, asked))
    await standin.wait_until(lambda: bool(dms(standin, STAFF)) and bool(dms(standin, STAFF_2)))
    await press(slack, standin, ENDORSER, ids.ENDORSE, dm)

    argv = ["personal-data", "ruth@example.org", "--slack", ENDORSER]
    assert await asyncio.to_thread(cli.main, argv) == 0
    out = capsys.readouterr().out
    assert "named as the endorser on application #1 (under_review): endorsement given" in out
    assert (
        "question to staff as the endorser of application #1: “My landlord is the council "
        "leader; does it matter?”" in out
    )

    assert await asyncio.to_thread(cli.main, [*argv, "--erase"]) == 0
    out = capsys.readouterr().out
    assert "the text of 1 question(s) asked as an endorser" in out
    assert "named as the endorser on application #1 (given): kept" in out
    async with bot.deps.sessions() as session:
        audit_text = " ".join(e.detail for e in (await session.exec(select(AuditEntry))).all())
    assert "landlord" not in audit_text
    assert "(its text was erased on request)" in await history(slack, standin)

    # The running bot renders the staff DMs again without the question, once.
    await scrub_slack(bot.deps, bot.client)
    await scrub_slack(bot.deps, bot.client)
    for staff in (STAFF, STAFF_2):
        [message] = dms(standin, staff)
        assert "landlord" not in message.text and "erased at their request" in message.text
    assert sum(1 for c in standin.calls("chat.update") if "erased at their" in str(c.args)) == 2
    assert "Endorsement given by @Ruth" in post_text(standin, standin.messages()[0].ts)


async def test_once_the_application_is_decided_the_endorsers_dm_loses_its_buttons_once(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await add_roster(bot.deps, standin)
    app_id, ts = await register_with_endorser(slack, standin)
    [dm] = dms(standin, ENDORSER)
    await press(slack, standin, ENDORSER, ids.ENDORSE, dm)
    await standin.wait_until(lambda: "You endorsed" in dm_text(standin))

    opened = len(standin.calls("views.open"))
    await slack.block_action(STAFF, ids.RECORD_DECISION, message_ts=ts, value=f"{app_id}:1")
    await standin.wait_for("views.open", count=opened + 1)
    form = standin.last_view(STAFF)
    assert form is not None
    decided = {
        ids.DECISION_OUTCOME_BLOCK: "declined",
        ids.DECISION_RATIONALE_BLOCK: "The council withdrew its motion.",
        ids.DECISION_NO_QUORUM_BLOCK: "The motion was rescinded: nothing to vote on.",
    }
    await slack.view_submission(STAFF, form, slack.fill_view_state(form, decided))
    assert standin.view_errors(form["id"]) is None
    await standin.wait_until(lambda: "status: *declined*" in str(standin.messages()[0].blocks))

    def dm_updates() -> int:
        return sum(1 for c in standin.calls("chat.update") if c.args.get("ts") == dm.ts)

    before = dm_updates()
    for _ in range(2):  # the refresh job, at start and every 15 minutes
        await refresh_posts_and_homes(bot.deps, bot.client)
    assert dm_updates() == before + 1
    assert "You endorsed *Sheffield City Council*'s application on 2 March 2026." in dm_text(
        standin
    )
    assert "review is over: the answer can no longer be changed" in dm_text(standin)
    assert dm_buttons(standin) == []
