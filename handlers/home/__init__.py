"""The App Home tab."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.home import opened


def register(app: AsyncApp) -> None:
    opened.register(app)
