"""`app_home_opened`: render the person's Home tab from the database."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.sending.context import Deps
from bot.sending.home import publish_home


async def on_home_opened(event: dict[str, Any], client: AsyncWebClient, deps: Deps) -> None:
    if event.get("tab", "home") != "home":
        return  # the Messages tab needs nothing from us
    await publish_home(deps, client, event["user"])


def register(app: AsyncApp) -> None:
    app.event("app_home_opened")(on_home_opened)
