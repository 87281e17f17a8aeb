"""The "Edit evidence" and "Withdraw" buttons on an application's post (staff only)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import button_value
from bot.blocks.registration import build_application_modal, build_withdraw_modal
from bot.domain import ids
from bot.domain.application_form import ApplicationForm
from bot.domain.refusals import Task
from bot.sending.context import Deps
from bot.sending.db_errors import tells_when_database_is_down
from bot.services.applications import ApplicationView
from bot.services.registration import editable
from handlers.attempt import attempt
from handlers.permissions import staff_only
from handlers.person import Person


def _edit_modal(view: ApplicationView) -> View:
    return build_application_modal(
        ApplicationForm.of_application(view.application, view.officers),
        callback_id=ids.EDIT_VIEW,
        private_metadata=button_value.encode_id(view.application.id),
        council_name=view.council.name,
    )


FORMS: dict[str, tuple[Task, Callable[[ApplicationView], View]]] = {
    ids.EDIT_APPLICATION: (Task.EDIT, _edit_modal),
    ids.WITHDRAW_APPLICATION: (Task.WITHDRAW, build_withdraw_modal),
}


async def open_change_form(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    deps: Deps,
) -> None:
    await ack()
    person = Person.of(body, client, respond)
    task, build = FORMS[str(action.get("action_id"))]
    view = await attempt(
        deps,
        lambda session: editable(
            session,
            button_value.read_id(action.get("value")),
            actor=person.user_id,
            staff=deps.settings.staff,
            task=task,
        ),
        person.refuse,
        write=False,
    )
    if view is not None:
        await person.open_form(body["trigger_id"], build(view))


def register(app: AsyncApp) -> None:
    for action_id, (task, _) in FORMS.items():
        app.action(action_id, middleware=[staff_only(task)])(
            tells_when_database_is_down(open_change_form)
        )
