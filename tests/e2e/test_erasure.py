"""Erased contact details disappear from the channel post too, not only from the database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from sqlmodel import select

from bot.runtime import Runtime
from bot.standin import CHANNEL_ID, SignedSlackClient, SlackStandIn
from models.db import transaction
from models.tables import Application, ApplicationStatus, AuditEntry, Comment
from scheduler.personal_data import erase_lapsed_contacts
from tests.e2e.helpers_review import add_roster, one_of_each, post_application, post_text


async def test_the_post_stops_showing_erased_contacts_once(
    bot: Runtime, standin: SlackStandIn
) -> None:
    app_id, ts = await post_application(bot.deps, standin)
    assert "jane.doe@example.gov.uk" in post_text(standin, ts)
    async with transaction(bot.deps.sessions) as session:
        application = await session.get(Application, app_id)
        assert application is not None
        application.status = ApplicationStatus.DECLINED
        application.updated_at = bot.deps.clock.now() - timedelta(days=800)
        session.add(application)

    assert await erase_lapsed_contacts(bot.deps, bot.client) == [app_id]
    text = post_text(standin, ts)
    assert "jane.doe@example.gov.uk" not in text
    assert "Sam Officer" not in text and "Cllr Jane Doe" not in text
    assert "erased under the data retention policy" in text

    updates = len(standin.calls("chat.update"))
    await erase_lapsed_contacts(bot.deps, bot.client)
    assert len(standin.calls("chat.update")) == updates  # scrubbed once


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
