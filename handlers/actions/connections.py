""" "I have no conflict" on a connected person's prompt (its "Declare a conflict" button is the
post's, handlers/actions/review.py). The service decides who may answer."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import button_value
from bot.blocks.connections import no_conflict_confirmation
from bot.domain import ids
from bot.sending.context import Deps
from bot.sending.db_errors import tells_when_database_is_down
from bot.sending.home import refresh_homes
from bot.services.connections import confirm_no_conflict
from handlers.attempt import attempt
from handlers.person import Person


async def on_no_conflict(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    await ack()
    person = Person.of(body, client, channel=deps.settings.channel)
    result = await attempt(
        deps,
        lambda session: confirm_no_conflict(
            session,
            application_id=button_value.read_id(action.get("value")),
            user_id=person.user_id,
            staff=deps.settings.staff,
            now=deps.clock.now(),
        ),
        person.refuse,
    )
    if result is not None:
        await person.tell(no_conflict_confirmation(result))
        refresh_homes(deps, client, [person.user_id])


def register(app: AsyncApp) -> None:
    app.action(ids.CONFIRM_NO_CONFLICT)(tells_when_database_is_down(on_no_conflict))
