"""Buttons and other block actions."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.actions import review


def register(app: AsyncApp) -> None:
    review.register(app)
