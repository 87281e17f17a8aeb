"""Corrections (issue 12, item 7), each with a reason, audited and in the history: a conflict
withdrawn before the decision (refused after it), a decision's rationale amended by staff, a
membership ended early (off the register, no more nags). Through signed requests to the real app.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import col, func, select

from bot import cli
from bot.domain import ids
from bot.runtime import Runtime
from bot.sending.corrections import show_pending_amendments
from bot.standin import CHANNEL_ID, SignedSlackClient, SlackStandIn, render_blocks_as_text
from models.db import transaction
from models.tables import AuditEntry, Conflict, Membership
from scheduler.renewals import post_renewal_nags
from tests.conftest import OUTSIDER, STAFF, STAFF_2, START
from tests.e2e.helpers_review import (
    add_roster,
    click,
    post_application,
    post_text,
    quorum_then_decision_form,
)
from tests.network_data import seed_network

HELEN = "U0TRUST001"
AMIRA = "U0LIVED001"


async def _command(slack: SignedSlackClient, standin: SlackStandIn, user: str, text: str) -> str:
    before = len(standin.ephemerals(user))
    reply = await slack.slash_command(user, text)
    assert reply.status == 200
    await standin.wait_until(lambda: len(standin.ephemerals(user)) > before)
    told = standin.ephemerals(user)[-1]
    return render_blocks_as_text(told.text, told.blocks, users=standin.user_names())


async def _count(bot: Runtime, table: Any, **where: Any) -> int:
    async with bot.deps.sessions() as session:
        statement = select(func.count()).select_from(table)
        for key, value in where.items():
            statement = statement.where(getattr(table, key) == value)
        return int((await session.exec(statement)).one())


async def _declare(
    slack: SignedSlackClient, standin: SlackStandIn, user: str, ts: str, app_id: int
) -> None:
    opened = len(standin.calls("views.open"))
    await slack.block_action(user, ids.DECLARE_CONFLICT, message_ts=ts, value=f"{app_id}:1")
    await standin.wait_for("views.open", count=opened + 1)
    modal = standin.last_view(user)
    assert modal is not None
    state = slack.fill_view_state(modal, {ids.CONFLICT_REASON_BLOCK: "I chair the local group"})
    await slack.view_submission(user, modal, state)
    await standin.wait_until(
        lambda: any("Conflict of interest recorded" in e.text for e in standin.ephemerals(user))
    )


# ---- a conflict withdrawn -------------------------------------------------------------------


async def test_a_member_withdraws_a_conflict_before_the_decision_with_a_reason(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await add_roster(bot.deps, standin)
    app_id, ts = await post_application(bot.deps, standin)
    await _declare(slack, standin, HELEN, ts, app_id)
    assert "Recused" in post_text(standin, ts)

    said = await _command(slack, standin, HELEN, "conflict withdraw Sheffield")
    assert "Please type `/sanctuary conflict withdraw <council> <reason>`" in said
    said = await _command(slack, standin, AMIRA, "conflict withdraw Sheffield I was wrong")
    assert "You have no conflict of interest declared on any application" in said

    said = await _command(
        slack, standin, HELEN, "conflict withdraw Sheffield City Council: I confused it with Leeds"
    )
    assert "Your conflict of interest on Sheffield City Council is withdrawn" in said
    assert await _count(bot, Conflict) == 0
    assert "Recused" not in post_text(standin, ts)
    told = await click(slack, standin, HELEN, ids.VOTE_APPROVE, ts, f"{app_id}:1")
    assert "Vote recorded" in told

    history = await _command(slack, standin, STAFF, "history sheffield")
    assert "@Helen withdrew their conflict of interest: “I confused it with Leeds”" in history
    seen = await _command(slack, standin, AMIRA, "history sheffield")
    assert "@Helen withdrew their conflict of interest" in seen and "Leeds" not in seen


async def test_after_the_decision_a_conflict_cannot_be_withdrawn(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    app_id, ts, form = await quorum_then_decision_form(bot.deps, slack, standin, ids.VOTE_APPROVE)
    await _declare(slack, standin, HELEN, ts, app_id)
    answers = {ids.DECISION_RATIONALE_BLOCK: "All five criteria are met."}
    await slack.view_submission(STAFF, form, slack.fill_view_state(form, answers))
    await standin.wait_until(lambda: "Decision, round 1" in post_text(standin, ts))

    said = await _command(slack, standin, HELEN, "conflict withdraw sheffield my mistake")
    assert said.splitlines()[0] == (
        "The decision on Sheffield City Council is already recorded, so your conflict of "
        "interest stands: it can only be withdrawn before the decision."
    )
    assert await _count(bot, Conflict) == 1
    assert await _count(bot, AuditEntry, action="conflict.withdrawn") == 0


# ---- a decision amended ---------------------------------------------------------------------


async def _decided(bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn) -> str:
    _, ts, form = await quorum_then_decision_form(bot.deps, slack, standin, ids.VOTE_APPROVE)
    answers = {ids.DECISION_RATIONALE_BLOCK: "All five criterai are met."}
    await slack.view_submission(STAFF, form, slack.fill_view_state(form, answers))
    await standin.wait_until(lambda: "criterai" in post_text(standin, ts))
    return ts


async def _amend_form(slack: SignedSlackClient, standin: SlackStandIn, user: str) -> Any:
    opened = len(standin.calls("views.open"))
    await slack.slash_command(user, "amend sheffield")
    await standin.wait_for("views.open", count=opened + 1)
    form = standin.last_view(user)
    assert form is not None
    return form


def _initial(view: dict[str, Any], block_id: str) -> Any:
    for block in view["blocks"]:
        if block.get("block_id") == block_id:
            return block["element"].get("initial_value")
    raise AssertionError(block_id)


async def test_staff_amend_a_decisions_rationale_with_a_reason(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    ts = await _decided(bot, slack, standin)
    form = await _amend_form(slack, standin, STAFF_2)
    assert _initial(form, ids.AMEND_RATIONALE_BLOCK) == "All five criterai are met."

    # Without a reason the form stays open, with what was typed, and says what is missing.
    typed = {ids.AMEND_RATIONALE_BLOCK: "All five criteria are met."}
    reply = await slack.view_submission(STAFF_2, form, slack.fill_view_state(form, typed))
    assert isinstance(reply.json, dict) and reply.json["response_action"] == "errors"
    assert reply.json["errors"] == {
        ids.AMEND_REASON_BLOCK: "Please write a reason (up to 1000 characters)."
    }
    assert "criterai" in post_text(standin, ts)

    # Someone not on the staff list cannot submit it.
    answers = typed | {ids.AMEND_REASON_BLOCK: "A typing error."}
    reply = await slack.view_submission(AMIRA, form, slack.fill_view_state(form, answers))
    assert isinstance(reply.json, dict) and "is for City of Sanctuary UK staff" in str(reply.json)

    reply = await slack.view_submission(STAFF_2, form, slack.fill_view_state(form, answers))
    assert reply.status == 200 and not reply.json
    await standin.wait_until(lambda: "criteria are met" in post_text(standin, ts))
    shown = post_text(standin, ts)
    assert "criterai" not in shown
    assert "Rationale amended by @Bea Staff on" in shown

    def told() -> list[str]:
        texts = [e.text for e in standin.ephemerals(STAFF_2)]
        return texts + [m.text for m in standin.messages(standin.dm_channel_id(STAFF_2))]

    await standin.wait_until(lambda: any("is amended; the post shows it" in t for t in told()))

    history = await _command(slack, standin, STAFF, "history sheffield")
    assert "@Bea Staff amended the decision's rationale (round 1): “A typing error.”" in history
    async with bot.deps.sessions() as session:
        entry = (
            await session.exec(select(AuditEntry).where(AuditEntry.action == "decision.amended"))
        ).one()
    detail = json.loads(entry.detail)
    assert detail["previous_rationale"] == "All five criterai are met."
    assert detail["rationale"] == "All five criteria are met."


async def test_an_amendment_slack_refused_to_show_is_shown_by_the_next_scan(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    ts = await _decided(bot, slack, standin)
    form = await _amend_form(slack, standin, STAFF)
    answers = {
        ids.AMEND_RATIONALE_BLOCK: "All five criteria are met.",
        ids.AMEND_REASON_BLOCK: "Typo.",
    }
    standin.fail_next("chat.update", error="channel_not_found")
    await slack.view_submission(STAFF, form, slack.fill_view_state(form, answers))
    await standin.wait_until(
        lambda: any("Slack would not update the post" in e.text for e in standin.ephemerals(STAFF))
    )
    assert "criterai" in post_text(standin, ts)
    assert await show_pending_amendments(bot.deps, bot.client) == 1
    assert "criteria are met" in post_text(standin, ts)
    assert await show_pending_amendments(bot.deps, bot.client) == 0


async def test_a_conflicted_member_of_staff_cannot_amend(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    app_id, ts, form = await quorum_then_decision_form(bot.deps, slack, standin, ids.VOTE_APPROVE)
    await _declare(slack, standin, STAFF_2, ts, app_id)
    answers = {ids.DECISION_RATIONALE_BLOCK: "All five criteria are met."}
    await slack.view_submission(STAFF, form, slack.fill_view_state(form, answers))
    await standin.wait_until(lambda: "Decision, round 1" in post_text(standin, ts))
    said = await _command(slack, standin, STAFF_2, "amend sheffield")
    assert "another member of staff must" in said


# ---- a membership ended early ---------------------------------------------------------------


async def _register(slack: SignedSlackClient, standin: SlackStandIn) -> str:
    return await _command(slack, standin, AMIRA, "list")


async def test_staff_end_a_membership_early_it_leaves_the_register_and_its_nags_stop(
    bot: Runtime,
    slack: SignedSlackClient,
    standin: SlackStandIn,
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with transaction(bot.deps.sessions) as session:
        await seed_network(session, START)
    assert "Sheffield City Council" in await _register(slack, standin)

    said = await _command(slack, standin, AMIRA, "end sheffield the council rescinded it")
    assert "is for City of Sanctuary UK staff" in said
    said = await _command(slack, standin, STAFF, "end Bradford the council rescinded it")
    first, typed = said.splitlines()
    assert first == "Bradford Metropolitan District Council has no current membership to end."
    assert typed == "You typed: /sanctuary end Bradford the council rescinded it"  # to copy
    said = await _command(slack, standin, STAFF, "end sheffield")
    assert "Please type `/sanctuary end <council> <reason>`" in said
    said = await _command(
        slack, standin, STAFF, "end Sheffield City Council The council rescinded its motion"
    )
    assert said.startswith("The membership of Sheffield City Council (until ")
    assert "off the public register" in said

    # Off every surface of the register; Leeds stays.
    listed = await _register(slack, standin)
    assert "Sheffield" not in listed and "Leeds City Council" in listed
    async with aiohttp.ClientSession() as http, http.get(f"{bot.url}/network.json") as response:
        members = [m["council"] for m in (await response.json())["members"]]
    assert "Sheffield City Council" not in members and "Leeds City Council" in members
    async with aiohttp.ClientSession() as http, http.get(f"{bot.url}/network") as response:
        page = await response.text()
    assert "Sheffield" not in page and "Leeds City Council" in page
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    target = tmp_path / "register.json"
    on = START.date().isoformat()
    args = ["export", "--format", "json", "--on", on, "--output", str(target)]
    assert await asyncio.to_thread(cli.main, args) == 0
    exported = [m["council"] for m in json.loads(target.read_text(encoding="utf-8"))["members"]]
    assert "Sheffield City Council" not in exported and "Leeds City Council" in exported

    # Its renewal reminders stop: 90 days before the term's end, no nag.
    async with bot.deps.sessions() as session:
        term = (
            await session.exec(select(Membership).where(col(Membership.end_reason).is_not(None)))
        ).one()
    due = datetime.combine(term.ends_on - timedelta(days=89), time(10), tzinfo=START.tzinfo)
    report = await post_renewal_nags(bot.deps, bot.client, now=due)
    assert report.sent == []
    assert not any("Sheffield" in m.text for m in standin.messages(CHANNEL_ID))
    renewals = await _command(slack, standin, STAFF, "renewals 3660")
    assert "Sheffield" not in renewals

    status = await _command(slack, standin, AMIRA, "status sheffield")
    assert "Membership (ended early on 2 March 2026)" in status
    history = await _command(slack, standin, STAFF, "history sheffield")
    assert "ended the membership early: “The council rescinded its motion”" in history
    public = await _command(slack, standin, OUTSIDER, "history sheffield")
    assert "ended the membership early" in public and "rescinded" not in public
    said = await _command(slack, standin, STAFF, "end sheffield again")
    assert said.splitlines()[0] == "Sheffield City Council has no current membership to end."
    assert await _count(bot, AuditEntry, action="membership.ended") == 1


async def test_staff_conflicts_and_withdrawal_reasons_are_personal_data(
    bot: Runtime,
    slack: SignedSlackClient,
    standin: SlackStandIn,
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await add_roster(bot.deps, standin)
    app_id, ts = await post_application(bot.deps, standin)
    await _declare(slack, standin, STAFF_2, ts, app_id)  # staff, not on the roster
    await _declare(slack, standin, HELEN, ts, app_id)
    await _command(slack, standin, HELEN, "conflict withdraw sheffield my sister left the council")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)

    argv = ["personal-data", "bea@example.org", "--slack", STAFF_2]
    assert await asyncio.to_thread(cli.main, argv) == 0
    out = capsys.readouterr().out
    assert f"conflict of interest declared on application #{app_id}: “I chair" in out

    argv = ["personal-data", "helen@example.org", "--slack", HELEN, "--erase"]
    assert await asyncio.to_thread(cli.main, argv) == 0
    assert "the reasons given for 1 withdrawn conflict(s)" in capsys.readouterr().out
    async with bot.deps.sessions() as session:
        entries = (
            await session.exec(
                select(AuditEntry).where(
                    AuditEntry.actor == HELEN, AuditEntry.action == "conflict.withdrawn"
                )
            )
        ).all()
    assert len(entries) == 1
    assert "sister" not in entries[0].detail and "I chair" not in entries[0].detail
