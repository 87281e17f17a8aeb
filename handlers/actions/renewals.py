"""The "Start renewal application" button on a renewal nag (staff only)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.registration import build_application_modal
from bot.domain import ids
from bot.domain.escape import mrkdwn, parse_id, truncate
from bot.sending.context import Deps
from bot.sending.db_errors import tells_when_database_is_down
from bot.sending.slack_errors import SLACK_FAILURES, form_not_opened
from bot.services.applications import NotFound
from bot.services.registration import open_application, renewal_form


async def open_renewal(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond, deps: Deps
) -> None:
    await ack()
    user = body["user"]["id"]

    async def say(text: str) -> None:
        await respond(text=text, response_type="ephemeral", replace_original=False)

    if not deps.settings.is_staff(user):
        await say("Sorry, only City of Sanctuary UK staff can start a renewal application.")
        return
    membership_id = parse_id(str(body["actions"][0].get("value") or ""))
    try:
        if membership_id is None:  # a forged or garbled value
            raise NotFound("no membership")
        async with deps.sessions() as session:
            council, form = await renewal_form(session, membership_id)
            assert council.id is not None
            already = await open_application(session, council.id)
    except NotFound:
        await say("I could not find that membership.")
        return
    if already is not None:
        await say(
            f"{mrkdwn(truncate(council.name, 150))} already has application #{already.id} "
            f"under way: see `/sanctuary status {mrkdwn(truncate(council.name, 150))}`."
        )
        return
    channel = str((body.get("channel") or {}).get("id") or "")
    modal = build_application_modal(form, private_metadata=channel)
    try:
        await client.views_open(trigger_id=body["trigger_id"], view=modal)
    except SLACK_FAILURES as error:
        await say(form_not_opened(error))


def register(app: AsyncApp) -> None:
    app.action(ids.OPEN_RENEWAL)(tells_when_database_is_down(open_renewal))
