"""Erasure by retention and on request share one path, and leave no trace in any Slack message
the bot can still edit: the post and the Contacts button stop showing what was erased, once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot import cli
from bot.domain import ids
from bot.runtime import Runtime
from bot.sending.reconcile import refresh_posts_and_homes
from bot.sending.scrub import scrub_slack
from bot.standin import CHANNEL_ID, SignedSlackClient, SlackStandIn
from models.db import transaction
from models.tables import Application, ApplicationStatus, AuditEntry, Comment, Conflict
from scheduler.personal_data import erase_lapsed_contacts
from tests.conftest import STAFF
from tests.e2e.helpers_review import add_roster, one_of_each, post_application, post_text


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)


async def _close(bot: Runtime, app_id: int, *, days_ago: int = 0) -> None:
    async with transaction(bot.deps.sessions) as session:
        application = await session.get(Application, app_id)
        assert application is not None
        application.status = ApplicationStatus.DECLINED
        application.updated_at = bot.deps.clock.now() - timedelta(days=days_ago)
        session.add(application)


def _updates(standin: SlackStandIn, ts: str) -> int:
    return sum(1 for c in standin.calls("chat.update") if c.args.get("ts") == ts)


async def _contacts_modal(
    slack: SignedSlackClient, standin: SlackStandIn, ts: str, app_id: int
) -> str:
    amira = one_of_each()["lived"]
    opened = len(standin.calls("views.open"))
    await slack.block_action(amira, ids.SHOW_CONTACTS, message_ts=ts, value=str(app_id))
    await standin.wait_for("views.open", count=opened + 1)
    modal = json.dumps(standin.last_view(amira))
    standin.close_view(amira, clear=True)
    return modal


async def test_retention_erases_and_the_post_says_so_once(
    bot: Runtime, standin: SlackStandIn
) -> None:
    app_id, ts = await post_application(bot.deps, standin)
    await _close(bot, app_id, days_ago=800)

    assert await erase_lapsed_contacts(bot.deps, bot.client) == [app_id]
    text = post_text(standin, ts)
    assert "5. Contacts erased under the data retention policy" in text
    assert "[Contacts]" not in text
    updates = _updates(standin, ts)
    await erase_lapsed_contacts(bot.deps, bot.client)
    await refresh_posts_and_homes(bot.deps, bot.client)
    assert _updates(standin, ts) == updates  # rendered again once


async def test_erasure_on_request_reaches_slack_through_the_same_path_once(
    bot: Runtime, standin: SlackStandIn, slack: SignedSlackClient, cli_env: None
) -> None:
    await add_roster(bot.deps, standin)
    app_id, ts = await post_application(bot.deps, standin)
    await _close(bot, app_id)  # declined today: retention would keep it for two years
    assert "sam.officer@example.gov.uk" in await _contacts_modal(slack, standin, ts, app_id)

    argv = ["personal-data", "SAM.Officer@Example.GOV.uk", "--erase"]
    assert await asyncio.to_thread(cli.main, argv) == 0
    await refresh_posts_and_homes(bot.deps, bot.client)  # at start, or the job within 15 min
    assert "the councillor responsible and 0 council officers" in post_text(standin, ts)
    modal = await _contacts_modal(slack, standin, ts, app_id)
    assert "Sam Officer" not in modal and "sam.officer" not in modal
    assert "jane.doe@example.gov.uk" in modal  # the councillor did not ask
    updates = _updates(standin, ts)
    await refresh_posts_and_homes(bot.deps, bot.client)
    await erase_lapsed_contacts(bot.deps, bot.client)
    assert _updates(standin, ts) == updates

    async with bot.deps.sessions() as session:
        erased = (
            await session.exec(select(AuditEntry).where(AuditEntry.action == "contacts.erased"))
        ).one()
    assert json.loads(erased.detail)["on_request"] is True  # the one path, as retention's
    said = await _command(slack, standin, STAFF, "history sheffield")
    assert "Contact details erased on request" in said


async def test_conflict_reasons_are_held_shown_to_the_person_and_erased_with_slack(
    bot: Runtime,
    standin: SlackStandIn,
    slack: SignedSlackClient,
    cli_env: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await add_roster(bot.deps, standin)
    app_id, ts = await post_application(bot.deps, standin)
    helen = one_of_each()["trustee"]
    reason = "My sister is the council's refugee officer"
    await slack.block_action(helen, ids.DECLARE_CONFLICT, message_ts=ts, value=f"{app_id}:1")
    await standin.wait_until(lambda: standin.last_view(helen) is not None)
    form = standin.last_view(helen)
    assert form is not None
    await slack.view_submission(
        helen, form, slack.fill_view_state(form, {ids.CONFLICT_REASON_BLOCK: reason})
    )
    await standin.wait_until(lambda: bool(standin.ephemerals(helen)))

    def homes() -> int:
        return sum(1 for c in standin.calls("views.publish") if c.args.get("user_id") == helen)

    await standin.wait_until(lambda: homes() == 1)  # the declaration refreshed her Home

    argv = ["personal-data", "helen@example.org", "--slack", helen]
    assert await asyncio.to_thread(cli.main, argv) == 0
    out = capsys.readouterr().out
    assert f"conflict of interest declared on application #{app_id}: “{reason}”" in out

    assert await asyncio.to_thread(cli.main, [*argv, "--erase"]) == 0
    out = capsys.readouterr().out
    assert f"the reason for the conflict declared on application #{app_id}" in out
    assert "declared conflict(s), without the reason: kept" in out
    async with bot.deps.sessions() as session:
        conflict = (await session.exec(select(Conflict))).one()
        audit_text = " ".join(e.detail for e in (await session.exec(select(AuditEntry))).all())
    assert conflict.reason == "" and "sister" not in audit_text
    # Staff's decision form no longer shows it; Helen's Home is rendered again, once.
    opened = len(standin.calls("views.open"))
    await slack.block_action(STAFF, ids.RECORD_DECISION, message_ts=ts, value=f"{app_id}:1")
    await standin.wait_for("views.open", count=opened + 1)
    decision_form = json.dumps(standin.last_view(STAFF))
    assert f"<@{helen}>" in decision_form and "sister" not in decision_form

    before = homes()
    await scrub_slack(bot.deps, bot.client)  # part of every refresh (at start, every 15 min)
    assert homes() == before + 1
    await scrub_slack(bot.deps, bot.client)
    assert homes() == before + 1


async def _command(slack: SignedSlackClient, standin: SlackStandIn, user: str, text: str) -> str:
    before = len(standin.responses())
    await slack.slash_command(user, text)
    await standin.wait_until(lambda: len(standin.responses()) > before)
    body = standin.responses()[-1].body
    return str(body.get("text")) + json.dumps(body.get("blocks"))


async def test_a_comment_text_is_not_copied_into_the_audit_log(
    bot: Runtime, standin: SlackStandIn, slack: SignedSlackClient
) -> None:
    _, ts = await post_application(bot.deps, standin)
    await add_roster(bot.deps, standin)
    ruth = one_of_each()["group"]
    said = "My private view: Cllr X lives on Elm Road"
    assert (await slack.message_event(ruth, said, thread_ts=ts)).status == 200
    await _until(bot, lambda c: c is not None and c.text == said)
    await slack.message_deleted_event(CHANNEL_ID, standin.thread(CHANNEL_ID, ts)[-1].ts)
    await _until(bot, lambda c: c is not None and c.deleted_at is not None)
    async with bot.deps.sessions() as session:
        comment = (await session.exec(select(Comment))).one()
        details = " ".join(e.detail for e in (await session.exec(select(AuditEntry))).all())
    assert comment.text is None
    assert "Elm Road" not in details


async def _until(bot: Runtime, holds: Callable[[Comment | None], bool]) -> None:
    """Events are acknowledged before they are recorded: wait (bounded) for the comment."""
    for _ in range(200):
        async with bot.deps.sessions() as session:
            if holds((await session.exec(select(Comment))).first()):
                return
        await asyncio.sleep(0.01)
    raise AssertionError("the comment never reached the expected state")
