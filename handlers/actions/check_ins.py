"""The "Log progress" button on a check-in message (staff only): opens the short form."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import button_value
from bot.blocks.check_ins import build_progress_modal
from bot.domain import ids
from bot.domain.refusals import Task, Thing
from bot.sending.context import Deps
from bot.sending.db_errors import tells_when_database_is_down
from bot.services.check_ins import progress_form
from handlers.attempt import attempt
from handlers.permissions import staff_only
from handlers.person import Person


async def on_log_progress(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    await ack()
    person = Person.of(body, client, channel=deps.settings.channel)
    membership_id = button_value.read_id(action.get("value"), Thing.MEMBERSHIP)
    council = await attempt(
        deps,
        lambda session: progress_form(
            session, membership_id, actor=person.user_id, staff=deps.settings.staff
        ),
        person.refuse,
        write=False,
    )
    if council is not None:
        await person.open_form(body["trigger_id"], build_progress_modal(membership_id, council))


def register(app: AsyncApp) -> None:
    app.action(ids.LOG_PROGRESS, middleware=[staff_only(Task.LOG_PROGRESS)])(
        tells_when_database_is_down(on_log_progress)
    )
