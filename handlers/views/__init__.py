"""Modal submissions."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from handlers.views import applications, check_ins, corrections, endorsements, review


def register(app: AsyncApp) -> None:
    applications.register(app)
    check_ins.register(app)
    endorsements.register(app)
    corrections.register(app)
    review.register(app)
