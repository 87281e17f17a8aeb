"""Buttons and other interactive elements in messages."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.actions import applications, connections, contacts, review


def register(app: AsyncApp) -> None:
    applications.register(app)
    connections.register(app)
    contacts.register(app)
    review.register(app)
