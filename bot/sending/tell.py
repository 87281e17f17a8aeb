"""Telling one person something only they see: the one way every listener and job does it.

The first way that works: the payload's response_url (`respond`) when there is one, an
ephemeral message in `channel` when given, else a direct message. Each failing falls through to
the next, so that a refusal or a confirmation is never lost to one Slack hiccup.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_sdk.models.blocks import Block
from slack_sdk.web.async_client import AsyncWebClient

from bot.sending.slack_errors import SLACK_FAILURES, error_code

log = logging.getLogger(__name__)


async def tell(
    client: AsyncWebClient,
    user_id: str,
    text: str,
    *,
    blocks: Sequence[Block | dict[str, Any]] | None = None,
    respond: AsyncRespond | None = None,
    channel: str | None = None,
) -> bool:
    """Say `text` (mrkdwn, with optional `blocks`) to `user_id` alone; False if no way worked."""
    as_dicts = [b.to_dict() if isinstance(b, Block) else b for b in blocks] if blocks else None
    if respond is not None and respond.response_url:
        try:
            answer = await respond(
                text=text, blocks=as_dicts, response_type="ephemeral", replace_original=False
            )
            if answer.status_code == 200:
                return True
            log.info(
                "response_url refused (%s); telling %s another way", answer.status_code, user_id
            )
        except SLACK_FAILURES as error:
            log.info("response_url failed (%s); telling %s another way", error_code(error), user_id)
    if channel:
        try:
            await client.chat_postEphemeral(
                channel=channel, user=user_id, text=text, blocks=as_dicts
            )
            return True
        except SLACK_FAILURES as error:
            log.info(
                "Ephemeral to %s in %s failed (%s); trying a DM",
                user_id,
                channel,
                error_code(error),
            )
    try:
        await client.chat_postMessage(channel=user_id, text=text, blocks=as_dicts)
        return True
    except SLACK_FAILURES as error:
        log.warning("Could not tell %s: %s", user_id, error_code(error))
        return False


def sender(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """Who sent a command, click or form, and from which channel (None where Slack gives none)."""
    user = body.get("user_id") or (body.get("user") or {}).get("id")
    channel = (
        body.get("channel_id")
        or (body.get("channel") or {}).get("id")
        or (body.get("container") or {}).get("channel_id")
    )
    return (
        user if isinstance(user, str) and user else None,
        channel if isinstance(channel, str) and channel else None,
    )
