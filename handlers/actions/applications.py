"""The staff buttons that open a registration form: "Edit evidence" and "Withdraw" on an
application's post, "Start renewal application" on a renewal nag."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.blocks import button_value
from bot.blocks.registration import build_application_modal, build_withdraw_modal
from bot.domain import ids
from bot.domain.application_form import ApplicationForm
from bot.domain.refusals import Task, Thing
from bot.sending.context import Deps
from bot.sending.db_errors import tells_when_database_is_down
from bot.services.applications import ApplicationView
from bot.services.registration import editable, renewal_form
from handlers.attempt import attempt
from handlers.permissions import staff_only
from handlers.person import Person
from models.tables import ApplicationKind


@dataclass(frozen=True)
class Press:
    """One press of these buttons: its value (an application's or a term's id), who pressed it,
    and who is staff (the services check it again)."""

    value: str | None
    person: Person
    staff: Collection[str]


async def _editable(session: AsyncSession, press: Press, task: Task) -> ApplicationView:
    application_id = button_value.read_id(press.value)
    return await editable(
        session, application_id, actor=press.person.user_id, staff=press.staff, task=task
    )


async def _edit_form(session: AsyncSession, press: Press) -> View:
    view = await _editable(session, press, Task.EDIT)
    return build_application_modal(
        ApplicationForm.of_application(view.application, view.officers),
        callback_id=ids.EDIT_VIEW,
        private_metadata=button_value.encode_id(view.application.id),
        council_name=view.council.name,
        renewal=view.application.kind == ApplicationKind.RENEWAL,
    )


async def _withdraw_form(session: AsyncSession, press: Press) -> View:
    return build_withdraw_modal(await _editable(session, press, Task.WITHDRAW))


async def _renewal_form(session: AsyncSession, press: Press) -> View:
    membership_id = button_value.read_id(press.value, Thing.MEMBERSHIP)
    form = await renewal_form(session, membership_id, actor=press.person.user_id, staff=press.staff)
    # The form carries the channel of the nag, so that the outcome is told there.
    return build_application_modal(form, private_metadata=press.person.channel or "", renewal=True)


# Each button: the task it is for (staff only), and the form it opens (Refused if it may not).
FORMS: dict[str, tuple[Task, Callable[[AsyncSession, Press], Awaitable[View]]]] = {
    ids.EDIT_APPLICATION: (Task.EDIT, _edit_form),
    ids.WITHDRAW_APPLICATION: (Task.WITHDRAW, _withdraw_form),
    ids.OPEN_RENEWAL: (Task.RENEW, _renewal_form),
}


async def open_form(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    deps: Deps,
) -> None:
    await ack()
    press = Press(action.get("value"), Person.of(body, client, respond), deps.settings.staff)
    _, form_of = FORMS[str(action.get("action_id"))]
    form = await attempt(
        deps, lambda session: form_of(session, press), press.person.refuse, write=False
    )
    if form is not None:
        await press.person.open_form(body["trigger_id"], form)


def register(app: AsyncApp) -> None:
    for action_id, (task, _) in FORMS.items():
        app.action(action_id, middleware=[staff_only(task)])(tells_when_database_is_down(open_form))
