"""Showing an application in Slack: the post is always re-rendered from the database."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.application import build_application_message
from bot.context import Deps
from bot.services.applications import load_view


async def refresh_post(deps: Deps, client: AsyncWebClient, application_id: int) -> bool:
    """Update the application's channel post to match the database; False if not posted yet.

    Slack errors (SlackApiError) propagate: callers decide whom to tell.
    """
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


async def refresh_post_settled(
    deps: Deps, client: AsyncWebClient, application_id: int, *, attempts: int = 5
) -> bool:
    """Like `refresh_post`, but re-reads after updating and updates again if the database moved.

    Concurrent clicks each render then update; an older render can land after a newer one.
    Whoever updates last checks once more, so the post ends matching the database.
    """
    sent: tuple[str, list[dict[str, Any]]] | None = None
    for _ in range(attempts):
        async with deps.sessions() as session:
            view = await load_view(session, application_id)
        application = view.application
        if application.channel is None or application.message_ts is None:
            return False
        text, blocks = build_application_message(
            view, rules=deps.settings.rules, timezone=deps.settings.timezone
        )
        rendered = (text, [b.to_dict() for b in blocks])
        if rendered == sent:
            return True
        await client.chat_update(
            channel=application.channel, ts=application.message_ts, text=text, blocks=blocks
        )
        sent = rendered
    return True
