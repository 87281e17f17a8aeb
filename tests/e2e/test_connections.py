"""Connected reviewers (issue 12, item 5): staff record standing connections; an application from
a connected council, region or group prompts each connected member privately, once; their vote
waits for the answer; staff may declare conflicts, and a conflicted member of staff cannot record
the decision (another can). All through signed requests to the real app."""

from __future__ import annotations

from typing import Any

from sqlmodel import func, select

from bot.domain import ids
from bot.runtime import Runtime
from bot.sending.connections import send_due_connection_prompts
from bot.sending.posts import try_post_application
from bot.standin import CHANNEL_ID, SignedSlackClient, SlackStandIn, render_blocks_as_text
from models.db import transaction
from models.tables import Application, AuditEntry, Conflict, ConnectionAnswer, Vote
from tests import factories
from tests.conftest import OUTSIDER, STAFF, STAFF_2
from tests.e2e.helpers_review import add_roster, click

AMIRA = "U0LIVED001"  # lived
GARETH = "U0OFFCR001"  # officer
RUTH = "U0GROUP001"  # group
HELEN = "U0TRUST001"  # trustee
PROMPT = "declare a conflict, or confirm you have none"


async def _command(slack: SignedSlackClient, standin: SlackStandIn, user: str, text: str) -> str:
    """Run `/sanctuary <text>` as `user`; what only they were told."""
    before = len(standin.ephemerals(user))
    reply = await slack.slash_command(user, text)
    assert reply.status == 200
    await standin.wait_until(lambda: len(standin.ephemerals(user)) > before)
    told = standin.ephemerals(user)[-1]
    return render_blocks_as_text(told.text, told.blocks, users=standin.user_names())


def _dms(standin: SlackStandIn, user: str) -> list[Any]:
    return standin.messages(standin.dm_channel_id(user))


def _prompts(standin: SlackStandIn, user: str) -> list[Any]:
    return [m for m in _dms(standin, user) if PROMPT in m.text]


async def _posted(bot: Runtime, **council: Any) -> tuple[int, str]:
    """An application registered for `council` and posted the way the bot posts one."""
    region = council.pop("region", "Yorkshire and The Humber")
    async with transaction(bot.deps.sessions) as session:
        row = await factories.council(session, at=bot.deps.clock.now(), **council)
        row.region = region
        session.add(row)
        application = await factories.application(
            session,
            at=bot.deps.clock.now(),
            council_row=row,
            posted=False,
            group_names="City of Sanctuary  Sheffield, Sheffield Refugee Forum",
        )
        app_id = application.id
    assert app_id is not None
    assert (await try_post_application(bot.deps, bot.client, app_id)).posted
    async with bot.deps.sessions() as session:
        posted = await session.get(Application, app_id)
        assert posted is not None and posted.message_ts is not None
        return app_id, posted.message_ts


async def _count(bot: Runtime, table: Any, **where: Any) -> int:
    async with bot.deps.sessions() as session:
        statement = select(func.count()).select_from(table)
        for key, value in where.items():
            statement = statement.where(getattr(table, key) == value)
        return int((await session.exec(statement)).one())


async def test_connected_members_are_prompted_once_and_their_vote_waits_for_the_answer(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await add_roster(bot.deps, standin)
    said = await _command(slack, standin, STAFF, f"group link <@{AMIRA}> E08000019")
    assert "Connected @Amira to Sheffield City Council" in said
    said = await _command(slack, standin, STAFF, f"group link <@{GARETH}> yorkshire & the humber")
    assert "Connected @Gareth to the Yorkshire and The Humber region" in said
    said = await _command(
        slack, standin, STAFF, f"group link <@{RUTH}> city of sanctuary SHEFFIELD"
    )
    assert "the local group city of sanctuary SHEFFIELD" in said
    assert "taken as a local group's name" in said
    said = await _command(slack, standin, STAFF, f"group link <@{HELEN}> Leeds")
    assert "Connected @Helen to Leeds City Council" in said
    said = await _command(slack, standin, STAFF, f"group link <@{AMIRA}> Sheffield")
    assert "already connected" in said  # the picker's name finds the same council

    app_id, ts = await _posted(bot)

    # Amira (council), Gareth (region) and Ruth (group, any case and spacing) are prompted;
    # Helen (Leeds) is not.
    for user, connected_to in (
        (AMIRA, "Sheffield City Council"),
        (GARETH, "the Yorkshire and The Humber region"),
        (RUTH, "the local group city of sanctuary SHEFFIELD"),
    ):
        prompts = _prompts(standin, user)
        assert len(prompts) == 1, user
        assert f"You are connected to {connected_to}: {PROMPT}" in prompts[0].text
        shown = render_blocks_as_text(prompts[0].text, prompts[0].blocks)
        assert "Declare a conflict" in shown and "I have no conflict" in shown
    assert _prompts(standin, HELEN) == []
    # Once per member per application, however often the job runs.
    await send_due_connection_prompts(bot.deps, bot.client)
    await send_due_connection_prompts(bot.deps, bot.client)
    assert len(_prompts(standin, AMIRA)) == 1
    assert await _count(bot, AuditEntry, action="connection.prompted") == 3

    # Until she answers, Amira's vote is answered with the same prompt and recorded nowhere.
    told = await click(slack, standin, AMIRA, ids.VOTE_APPROVE, ts, f"{app_id}:1")
    assert f"You are connected to Sheffield City Council: {PROMPT}" in told
    assert "not recorded" in told
    last = standin.ephemerals(AMIRA)[-1]
    assert "I have no conflict" in render_blocks_as_text(last.text, last.blocks)
    assert await _count(bot, Vote) == 0

    # She answers in the DM: no conflict. Audited; now her vote counts.
    dm = _prompts(standin, AMIRA)[0]
    await slack.block_action(
        AMIRA,
        ids.CONFIRM_NO_CONFLICT,
        channel_id=standin.dm_channel_id(AMIRA),
        message_ts=dm.ts,
        value=str(app_id),
    )
    await standin.wait_until(
        lambda: any("no conflict of interest" in e.text for e in standin.ephemerals(AMIRA))
    )
    assert await _count(bot, ConnectionAnswer, slack_user_id=AMIRA, answer="no_conflict") == 1
    told = await click(slack, standin, AMIRA, ids.VOTE_APPROVE, ts, f"{app_id}:1")
    assert "Vote recorded" in told
    assert await _count(bot, Vote) == 1

    # Gareth answers with the other button: a conflict, declared through the usual form.
    before = len(standin.calls("views.open"))
    dm = _prompts(standin, GARETH)[0]
    await slack.block_action(
        GARETH,
        ids.DECLARE_CONFLICT,
        channel_id=standin.dm_channel_id(GARETH),
        message_ts=dm.ts,
        value=str(app_id),
    )
    await standin.wait_for("views.open", count=before + 1)
    modal = standin.last_view(GARETH)
    assert modal is not None
    state = slack.fill_view_state(modal, {ids.CONFLICT_REASON_BLOCK: "My partner is an officer"})
    await slack.view_submission(GARETH, modal, state)
    await standin.wait_until(
        lambda: any("Conflict of interest recorded" in e.text for e in standin.ephemerals(GARETH))
    )
    told = await click(slack, standin, GARETH, ids.VOTE_DECLINE, ts, f"{app_id}:1")
    assert "declared a conflict of interest" in told

    # The history (staff's view) has each answer.
    history = await _command(slack, standin, STAFF, "history sheffield")
    assert "@Amira confirmed they have no conflict of interest" in history
    assert "(connected to Sheffield City Council)" in history
    assert "@Gareth declared a conflict of interest and is recused" in history
    assert "connected to the Yorkshire and The Humber region" in history
    assert "Asked @Ruth, connected to the local group" in history
    # Members see that Gareth is recused, not what anyone is connected to nor their answers.
    seen = await _command(slack, standin, HELEN, "history sheffield")
    assert "@Gareth declared a conflict of interest and is recused" in seen
    for private in ("connected to", "no conflict", "Asked @"):
        assert private not in seen, private


async def test_a_connection_recorded_after_the_post_prompts_at_the_next_scan(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await add_roster(bot.deps, standin)
    app_id, ts = await _posted(bot)
    assert _prompts(standin, HELEN) == []
    told = await click(slack, standin, HELEN, ids.VOTE_APPROVE, ts, f"{app_id}:1")
    assert "Vote recorded" in told

    await _command(slack, standin, STAFF, f"group link <@{AMIRA}> sheffield refugee forum")
    # The gate holds from the moment the connection is recorded, before any prompt.
    told = await click(slack, standin, AMIRA, ids.VOTE_ABSTAIN, ts, f"{app_id}:1")
    assert PROMPT in told and "the local group sheffield refugee forum" in told
    await send_due_connection_prompts(bot.deps, bot.client)
    assert len(_prompts(standin, AMIRA)) == 1

    # Unlinked, the prompt no longer holds her vote back.
    said = await _command(slack, standin, STAFF, f"group unlink <@{AMIRA}> Sheffield Refugee Forum")
    assert "no longer connected to the local group sheffield refugee forum" in said
    told = await click(slack, standin, AMIRA, ids.VOTE_ABSTAIN, ts, f"{app_id}:1")
    assert "Vote recorded" in told


async def test_a_town_council_takes_its_principal_councils_region(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await add_roster(bot.deps, standin)
    await _command(slack, standin, STAFF, f"group link <@{AMIRA}> South West")
    await _command(slack, standin, STAFF, f"group link <@{GARETH}> London")
    await _posted(bot, code="local:stroud", name="Stroud Town Council", region=None)
    # No region is stored for it; Stroud District Council, its principal council, is in the
    # South West.
    assert len(_prompts(standin, AMIRA)) == 1
    assert "the South West region" in _prompts(standin, AMIRA)[0].text
    assert _prompts(standin, GARETH) == []


async def test_only_members_and_staff_can_be_linked_and_names_must_be_clear(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await add_roster(bot.deps, standin)
    said = await _command(slack, standin, STAFF, f"group link <@{OUTSIDER}> Sheffield")
    assert "neither on the working-group roster nor on the staff list" in said
    said = await _command(slack, standin, STAFF, f"group link <@{STAFF_2}> council:Yorkshire")
    assert "could be any of" in said and "North Yorkshire" in said
    said = await _command(slack, standin, STAFF, f"group link <@{STAFF_2}> council:Nowhere")
    assert "I can't find a council called “Nowhere”" in said
    said = await _command(slack, standin, STAFF, f"group link <@{STAFF_2}> region:Yorkshire")
    assert "“Yorkshire” is not a region on the official list: East Midlands" in said
    said = await _command(slack, standin, STAFF, f"group unlink <@{AMIRA}> Leeds")
    assert "has no connection to Leeds City Council" in said
    said = await _command(slack, standin, STAFF, "group link Amira Sheffield")
    assert "Please name the person first" in said
    said = await _command(slack, standin, STAFF, f"group link <@{STAFF_2}> Sheffield")
    assert "Connected @Bea Staff to Sheffield City Council" in said
    said = await _command(slack, standin, STAFF, f"group link <@{STAFF_2}>")
    assert "is connected to:\n• Sheffield City Council" in said
    async with bot.deps.sessions() as session:
        entries = (
            await session.exec(select(AuditEntry).where(AuditEntry.action == "connection.linked"))
        ).all()
    assert [e.actor for e in entries] == [STAFF]


async def test_staff_declare_conflicts_and_a_conflicted_member_of_staff_cannot_decide(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await add_roster(bot.deps, standin)
    await _command(slack, standin, STAFF, f"group link <@{STAFF_2}> Sheffield")
    app_id, ts = await _posted(bot)
    # Staff connected to the council are prompted too, though not on the roster.
    assert len(_prompts(standin, STAFF_2)) == 1

    # Bea (staff, not on the roster) declares a conflict from the post.
    await slack.block_action(STAFF_2, ids.DECLARE_CONFLICT, message_ts=ts, value=f"{app_id}:1")
    await standin.wait_until(lambda: standin.last_view(STAFF_2) is not None)
    modal = standin.last_view(STAFF_2)
    assert modal is not None
    state = slack.fill_view_state(modal, {ids.CONFLICT_REASON_BLOCK: "I work for this council"})
    await slack.view_submission(STAFF_2, modal, state)
    await standin.wait_until(
        lambda: any("Conflict of interest recorded" in e.text for e in standin.ephemerals(STAFF_2))
    )
    assert await _count(bot, Conflict, slack_user_id=STAFF_2) == 1
    post = standin.find_message(CHANNEL_ID, ts)
    assert post is not None and f"<@{STAFF_2}>" in str(post.blocks)  # shown as recused

    # She cannot record the decision, by button or command...
    told = await click(slack, standin, STAFF_2, ids.RECORD_DECISION, ts, f"{app_id}:1")
    assert "declared a conflict of interest on Sheffield City Council" in told
    assert "another member of staff must" in told
    said = await _command(slack, standin, STAFF_2, "decide sheffield")
    assert "another member of staff must" in said

    # ... another member of staff can; and a form Bea submits (one Alex opened) is refused too.
    opened = len(standin.calls("views.open"))
    await slack.block_action(STAFF, ids.RECORD_DECISION, message_ts=ts, value=f"{app_id}:1")
    await standin.wait_for("views.open", count=opened + 1)
    form = standin.last_view(STAFF)
    assert form is not None
    answers = {
        ids.DECISION_OUTCOME_BLOCK: "approved",
        ids.DECISION_RATIONALE_BLOCK: "All five criteria are met.",
        ids.DECISION_NO_QUORUM_BLOCK: "The deadline has passed.",
    }
    reply = await slack.view_submission(STAFF_2, form, slack.fill_view_state(form, answers))
    assert isinstance(reply.json, dict) and reply.json.get("response_action") == "errors"
    assert "another member of staff must" in str(reply.json["errors"])
    assert await _count(bot, AuditEntry, action="decision.recorded") == 0
    reply = await slack.view_submission(STAFF, form, slack.fill_view_state(form, answers))
    assert reply.status == 200 and not reply.json
    assert await _count(bot, AuditEntry, action="decision.recorded") == 1


async def test_help_lists_the_new_commands(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    said = await _command(slack, standin, OUTSIDER, "help")
    assert "/sanctuary group link @user <council | region | group>" in said
    assert "/sanctuary group unlink @user <council | region | group>" in said
    assert "/sanctuary conflict withdraw <council> <reason>" in said
    assert "/sanctuary amend <council>" in said and "/sanctuary end <council> <reason>" in said
    line = next(x for x in said.splitlines() if "end <council>" in x)
    assert "(staff)" in line
