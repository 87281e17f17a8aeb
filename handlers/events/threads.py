"""Replies in an application's thread become comments; edits and deletions are followed.

Slack delivers events at least once, so the event id is claimed (unique key) in the same
transaction as the comment: a repeat delivery changes nothing.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.domain.escape import clean
from bot.sending.context import Deps
from bot.services.comments import add_comment, claim_event, delete_comment, edit_comment
from models.db import transaction


def _is_bot(message: dict[str, Any], bot_user_id: str | None) -> bool:
    return bool(message.get("bot_id")) or (
        bot_user_id is not None and message.get("user") == bot_user_id
    )


async def on_message(
    event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext, deps: Deps
) -> None:
    channel = str(event.get("channel") or "")
    if not channel or channel != deps.settings.channel:
        return
    subtype = event.get("subtype")
    bot_user_id = context.bot_user_id
    event_id = str(body.get("event_id") or "")
    now = deps.clock.now()
    if subtype in (None, "thread_broadcast", "file_share"):
        thread_ts = event.get("thread_ts")
        ts = event.get("ts")
        if not thread_ts or not ts or thread_ts == ts or _is_bot(event, bot_user_id):
            return
        async with transaction(deps.sessions) as session:
            if event_id and not await claim_event(session, event_id, now):
                return
            await add_comment(
                session,
                channel=channel,
                thread_ts=str(thread_ts),
                ts=str(ts),
                user=str(event.get("user") or ""),
                text=clean(str(event.get("text") or "")),
                now=now,
            )
    elif subtype == "message_changed":
        message = event.get("message") or {}
        ts = message.get("ts")
        if not ts or message.get("thread_ts") in (None, ts) or _is_bot(message, bot_user_id):
            return
        async with transaction(deps.sessions) as session:
            if event_id and not await claim_event(session, event_id, now):
                return
            await edit_comment(
                session,
                channel=channel,
                ts=str(ts),
                text=clean(str(message.get("text") or "")),
                user=str(message.get("user") or ""),
                now=now,
            )
    elif subtype == "message_deleted":
        ts = event.get("deleted_ts")
        if not ts:
            return
        async with transaction(deps.sessions) as session:
            if event_id and not await claim_event(session, event_id, now):
                return
            await delete_comment(session, channel=channel, ts=str(ts), now=now)


def register(app: AsyncApp) -> None:
    app.event("message")(on_message)
