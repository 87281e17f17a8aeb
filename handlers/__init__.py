"""Thin Slack listeners, one module per surface, each with `register(app)`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers import actions, commands, events, home, options, views


def register_all(app: AsyncApp) -> None:
    commands.register(app)
    actions.register(app)
    views.register(app)
    options.register(app)
    home.register(app)
    events.register(app)
