"""Events API listeners."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.events import threads


def register(app: AsyncApp) -> None:
    threads.register(app)
