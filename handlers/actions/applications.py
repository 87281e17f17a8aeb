"""The "Edit evidence" and "Withdraw" buttons on an application's post (staff only)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.registration import build_application_modal, build_withdraw_modal
from bot.domain import ids
from bot.domain.escape import mrkdwn, parse_id, truncate
from bot.sending.context import Deps
from bot.sending.db_errors import tells_when_database_is_down
from bot.sending.slack_errors import SLACK_FAILURES, form_not_opened
from bot.services.applications import NotFound, load_view
from bot.services.registration import OPEN_STATUSES, ApplicationForm


async def _open_application(
    body: dict[str, Any], respond: AsyncRespond, deps: Deps, what: str
) -> tuple[int, Any] | None:
    """The clicked application's view, or None after telling the person why not."""
    user = body["user"]["id"]
    if not deps.settings.is_staff(user):
        await respond(
            text=f"Sorry, only City of Sanctuary UK staff can {what} an application.",
            response_type="ephemeral",
            replace_original=False,
        )
        return None
    raw = str(body["actions"][0].get("value") or "")
    try:
        application_id = parse_id(raw.split(":")[0])
        if application_id is None:  # a forged or garbled value
            raise NotFound(raw)
        async with deps.sessions() as session:
            view = await load_view(session, application_id)
    except NotFound:
        await respond(
            text="I could not find that application.",
            response_type="ephemeral",
            replace_original=False,
        )
        return None
    if view.application.status not in OPEN_STATUSES:
        await respond(
            text=f"Application #{application_id} ({mrkdwn(truncate(view.council.name, 150))}) "
            f"is {view.application.status.replace('_', ' ')}: it can no longer be changed.",
            response_type="ephemeral",
            replace_original=False,
        )
        return None
    return application_id, view


async def _open_form(
    respond: AsyncRespond, client: AsyncWebClient, body: dict[str, Any], modal: View
) -> None:
    try:
        await client.views_open(trigger_id=body["trigger_id"], view=modal)
    except SLACK_FAILURES as error:
        await respond(
            text=form_not_opened(error), response_type="ephemeral", replace_original=False
        )


async def open_edit(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond, deps: Deps
) -> None:
    await ack()
    found = await _open_application(body, respond, deps, "edit")
    if found is None:
        return
    application_id, view = found
    form = ApplicationForm.of_application(view.application, view.officers)
    modal = build_application_modal(
        form,
        callback_id=ids.EDIT_VIEW,
        private_metadata=str(application_id),
        council_name=view.council.name,
    )
    await _open_form(respond, client, body, modal)


async def open_withdraw(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond, deps: Deps
) -> None:
    await ack()
    found = await _open_application(body, respond, deps, "withdraw")
    if found is None:
        return
    application_id, view = found
    await _open_form(respond, client, body, build_withdraw_modal(application_id, view.council.name))


def register(app: AsyncApp) -> None:
    app.action(ids.EDIT_APPLICATION)(tells_when_database_is_down(open_edit))
    app.action(ids.WITHDRAW_APPLICATION)(tells_when_database_is_down(open_withdraw))
