"""Showing a correction in Slack: an amended decision re-renders its post once per amendment,
through the one exactly-once path (`update_once`)."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.sending.context import Deps
from bot.sending.once import Delivery, Key, update_once
from bot.sending.posts import refresh_post
from bot.services.decisions import POST_AMENDED, pending_amendment_renders
from models.tables import Decision


async def show_amendment(deps: Deps, client: AsyncWebClient, decision: Decision) -> Delivery:
    """Re-render the application's post with the amended rationale (once for this revision)."""
    assert decision.id is not None
    key = Key(POST_AMENDED, subject_id=decision.id, round=decision.revision)
    return await update_once(
        deps, client, key, lambda: refresh_post(deps, client, decision.application_id)
    )


async def show_pending_amendments(deps: Deps, client: AsyncWebClient) -> int:
    """The job: show the amendments Slack refused to show earlier; how many it showed now."""
    async with deps.sessions() as session:
        pending = await pending_amendment_renders(session)
    shown = 0
    for decision in pending:
        if (await show_amendment(deps, client, decision)).ok:
            shown += 1
    return shown
