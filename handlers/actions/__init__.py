"""Buttons and other interactive elements in messages."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.actions import applications, check_ins, connections, contacts, endorsements, review


def register(app: AsyncApp) -> None:
    applications.register(app)
    check_ins.register(app)
    endorsements.register(app)
    connections.register(app)
    contacts.register(app)
    review.register(app)
