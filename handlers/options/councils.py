"""The council picker: the official list of local authorities, matched as people type."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.blocks.registration_state import council_options
from bot.domain import councils, ids


async def suggest_councils(ack: AsyncAck, body: dict[str, Any]) -> None:
    await ack(options=council_options(councils.search(str(body.get("value") or ""))))


def register(app: AsyncApp) -> None:
    app.options(ids.COUNCIL_PICKER)(suggest_councils)
