"""Modal submissions."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.views import applications, corrections, review


def register(app: AsyncApp) -> None:
    applications.register(app)
    corrections.register(app)
    review.register(app)
