"""The "Start renewal application" button on a renewal nag (staff only)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import button_value
from bot.blocks.registration import build_application_modal
from bot.domain import ids
from bot.domain.refusals import Task, Thing
from bot.sending.context import Deps
from bot.sending.db_errors import tells_when_database_is_down
from bot.services.registration import renewal_form
from handlers.attempt import attempt
from handlers.permissions import staff_only
from handlers.person import Person


async def open_renewal(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    deps: Deps,
) -> None:
    await ack()
    person = Person.of(body, client, respond)
    form = await attempt(
        deps,
        lambda session: renewal_form(
            session,
            button_value.read_id(action.get("value"), Thing.MEMBERSHIP),
            actor=person.user_id,
            staff=deps.settings.staff,
        ),
        person.refuse,
        write=False,
    )
    if form is not None:
        # The form carries the channel of the nag, so that the outcome is told there.
        modal = build_application_modal(form, private_metadata=person.channel or "")
        await person.open_form(body["trigger_id"], modal)


def register(app: AsyncApp) -> None:
    app.action(ids.OPEN_RENEWAL, middleware=[staff_only(Task.RENEW)])(
        tells_when_database_is_down(open_renewal)
    )
