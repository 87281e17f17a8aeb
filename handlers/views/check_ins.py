"""Submitting the progress form of a check-in (staff only)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import button_value
from bot.blocks.check_ins import logged, progress_errors, read_progress
from bot.domain import ids
from bot.domain.refusals import Task, Thing
from bot.sending.context import Deps
from bot.sending.home import refresh_homes
from bot.sending.tell import tell
from bot.services.check_ins import log_progress
from handlers.attempt import submitted
from handlers.permissions import staff_only
from handlers.person import refreshed


async def on_progress_submitted(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    user = body["user"]["id"]
    what, url = read_progress(view)
    result = await submitted(
        ack,
        view,
        deps,
        progress_errors,
        lambda session: log_progress(
            session,
            button_value.read_id(view.get("private_metadata"), Thing.MEMBERSHIP),
            what=what,
            url=url,
            actor=user,
            staff=deps.settings.staff,
            now=deps.clock.now(),
        ),
    )
    if result is None:
        return
    text = logged(result.council)
    if result.renewal_id is not None:
        text += await refreshed(deps, client, result.renewal_id)
    await tell(client, user, text, channel=deps.settings.channel)
    refresh_homes(deps, client, sorted(deps.settings.staff))


def register(app: AsyncApp) -> None:
    app.view(ids.CHECK_IN_VIEW, middleware=[staff_only(Task.LOG_PROGRESS)])(on_progress_submitted)
