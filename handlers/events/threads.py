"""Replies in an application's thread become comments; edits and deletions are followed.

Slack delivers events at least once, so the event id is claimed (unique key) in the same
transaction as the comment: a repeat delivery changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.domain.escape import clean
from bot.sending.context import Deps
from bot.services.comments import add_comment, claim_event, delete_comment, edit_comment
from models.db import transaction
from models.tables import Comment

Recorder = Callable[..., Awaitable[Comment | None]]


async def on_message(
    event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext, deps: Deps
) -> None:
    if not event.get("channel") or event.get("channel") != deps.settings.channel:
        return
    record = _recorder(event, context.bot_user_id)
    if record is None:
        return
    event_id = str(body.get("event_id") or "")
    now = deps.clock.now()
    async with transaction(deps.sessions) as session:
        if not event_id or await claim_event(session, event_id, now):
            await record(session, now=now)


def _recorder(event: dict[str, Any], bot_user_id: str | None) -> Recorder | None:
    """What a message event in the channel asks to record: a reply in an application's
    thread, an edit or a deletion of one; None for anything else (and the bot's own)."""
    channel = str(event["channel"])
    subtype = event.get("subtype")
    if subtype in (None, "thread_broadcast", "file_share"):
        thread_ts, ts = event.get("thread_ts"), event.get("ts")
        if not thread_ts or not ts or thread_ts == ts or _is_bot(event, bot_user_id):
            return None
        text, user = clean(str(event.get("text") or "")), str(event.get("user") or "")
        return partial(
            add_comment, channel=channel, thread_ts=str(thread_ts), ts=str(ts), user=user, text=text
        )
    if subtype == "message_changed":
        message = event.get("message") or {}
        ts = message.get("ts")
        if not ts or message.get("thread_ts") in (None, ts) or _is_bot(message, bot_user_id):
            return None
        text, user = clean(str(message.get("text") or "")), str(message.get("user") or "")
        return partial(edit_comment, channel=channel, ts=str(ts), text=text, user=user)
    if subtype == "message_deleted" and event.get("deleted_ts"):
        return partial(delete_comment, channel=channel, ts=str(event["deleted_ts"]))
    return None


def _is_bot(message: dict[str, Any], bot_user_id: str | None) -> bool:
    return bool(message.get("bot_id")) or (
        bot_user_id is not None and message.get("user") == bot_user_id
    )


def register(app: AsyncApp) -> None:
    app.event("message")(on_message)
