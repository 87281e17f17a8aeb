"""Showing an application in Slack: the post is always re-rendered from the database."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.application import build_application_message
from bot.context import Deps
from bot.services.applications import load_view


async def refresh_post(deps: Deps, client: AsyncWebClient, application_id: int) -> bool:
    """Make the application's channel post match the database; False if not posted yet.

    Concurrent refreshes of one post are coalesced (see bot/coalesce.py), so a burst of votes
    costs a few `chat.update` calls, and the last one always shows the final tally.
    Slack errors (SlackApiError) propagate: callers decide whom to tell.
    """

    async def render_and_send() -> bool:
        async with deps.sessions() as session:
            view = await load_view(session, application_id)
        application = view.application
        if application.channel is None or application.message_ts is None:
            return False
        text, blocks = build_application_message(
            view, rules=deps.settings.rules, timezone=deps.settings.timezone
        )
        await client.chat_update(
            channel=application.channel, ts=application.message_ts, text=text, blocks=blocks
        )
        return True

    return await deps.post_updates.run(("application", application_id), render_and_send)
