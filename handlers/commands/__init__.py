"""The `/sanctuary` slash command and its sub-commands (one module per group of them)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.domain import ids
from bot.sending.db_errors import tells_when_database_is_down
from handlers.commands import (  # noqa: F401  (they register their sub-commands)
    applications,
    connections,
    corrections,
    decide,
    endorse,
    extend,
    group,
    help,
    history,
    public_register,
    renewals,
)
from handlers.commands.dispatch import handle_sanctuary


def register(app: AsyncApp) -> None:
    app.command(ids.COMMAND)(tells_when_database_is_down(handle_sanctuary))
