"""The "Edit evidence" and "Withdraw" buttons on an application's post (staff only)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import button_value
from bot.blocks.registration import build_application_modal, build_withdraw_modal
from bot.domain import ids
from bot.domain.application_form import ApplicationForm
from bot.domain.refusals import Refused, Task
from bot.sending.context import Deps
from bot.sending.db_errors import tells_when_database_is_down
from bot.services.applications import ApplicationView
from bot.services.registration import editable
from handlers.permissions import staff_only
from handlers.person import Person


async def _editable(
    person: Person, body: dict[str, Any], deps: Deps, task: Task
) -> ApplicationView | None:
    """The clicked application if staff may still `task` it; else None, the person told why."""
    try:
        application_id = button_value.read_id(body["actions"][0].get("value"))
        async with deps.sessions() as session:
            return await editable(
                session, application_id, actor=person.user_id, staff=deps.settings.staff, task=task
            )
    except Refused as refused:
        await person.refuse(refused)
        return None


async def open_edit(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond, deps: Deps
) -> None:
    await ack()
    person = Person.of(body, client, respond)
    view = await _editable(person, body, deps, Task.EDIT)
    if view is None:
        return
    modal = build_application_modal(
        ApplicationForm.of_application(view.application, view.officers),
        callback_id=ids.EDIT_VIEW,
        private_metadata=button_value.encode_id(view.application.id),
        council_name=view.council.name,
    )
    await person.open_form(body["trigger_id"], modal)


async def open_withdraw(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond, deps: Deps
) -> None:
    await ack()
    person = Person.of(body, client, respond)
    view = await _editable(person, body, deps, Task.WITHDRAW)
    if view is None:
        return
    await person.open_form(body["trigger_id"], build_withdraw_modal(view))


def register(app: AsyncApp) -> None:
    app.action(ids.EDIT_APPLICATION, middleware=[staff_only(Task.EDIT)])(
        tells_when_database_is_down(open_edit)
    )
    app.action(ids.WITHDRAW_APPLICATION, middleware=[staff_only(Task.WITHDRAW)])(
        tells_when_database_is_down(open_withdraw)
    )
