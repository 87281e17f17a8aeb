"""The Contacts button on an application's post: the contacts in a modal only the person sees,
for the working group and staff (the service decides, and audits each showing)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import button_value
from bot.blocks.contacts import build_contacts_modal
from bot.domain import ids
from bot.sending.context import Deps
from bot.sending.db_errors import tells_when_database_is_down
from bot.services.contacts import show_contacts
from handlers.attempt import attempt
from handlers.person import Person


async def on_show_contacts(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    await ack()
    person = Person.of(body, client, channel=deps.settings.channel)
    shown = await attempt(
        deps,
        lambda session: show_contacts(
            session,
            button_value.read_id(action.get("value")),
            user_id=person.user_id,
            staff=deps.settings.staff,
            now=deps.clock.now(),
        ),
        person.refuse,
    )
    if shown is not None:
        await person.open_form(body["trigger_id"], build_contacts_modal(shown))


def register(app: AsyncApp) -> None:
    app.action(ids.SHOW_CONTACTS)(tells_when_database_is_down(on_show_contacts))
