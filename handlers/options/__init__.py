"""Options for external selects, answered by the bot as people type."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.options import councils


def register(app: AsyncApp) -> None:
    councils.register(app)
