"""The endorser's buttons in the DM that asks them: Endorse, Cannot endorse, Ask a question.

Only the endorser named on the application may press them; the service refuses anyone else.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.blocks import button_value
from bot.blocks.endorsements import answered, build_question_modal
from bot.domain import ids
from bot.sending import endorsements as sending
from bot.sending.context import Deps
from bot.sending.db_errors import tells_when_database_is_down
from bot.services import endorsements
from bot.services.endorsements import EndorsementChange
from handlers.attempt import attempt
from handlers.person import Person


async def on_answer(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    await ack()
    person = Person.of(body, client)

    async def answer(session: AsyncSession) -> EndorsementChange:
        return await endorsements.answer(
            session,
            button_value.read_id(action.get("value")),
            user=person.user_id,
            endorse=action.get("action_id") == ids.ENDORSE,
            now=deps.clock.now(),
            timezone=deps.settings.timezone,
        )

    change = await attempt(deps, answer, person.refuse)
    if change is None:
        return
    await person.tell(answered(change))
    await sending.show(deps, client, change)


async def on_ask_question(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    await ack()
    person = Person.of(body, client)
    application_id = button_value.read_id(action.get("value"))
    council = await attempt(
        deps,
        lambda session: endorsements.question_form(session, application_id, person.user_id),
        person.refuse,
        write=False,
    )
    if council is not None:
        await person.open_form(body["trigger_id"], build_question_modal(application_id, council))


def register(app: AsyncApp) -> None:
    app.action(ids.ENDORSE)(tells_when_database_is_down(on_answer))
    app.action(ids.CANNOT_ENDORSE)(tells_when_database_is_down(on_answer))
    app.action(ids.ASK_ENDORSEMENT_QUESTION)(tells_when_database_is_down(on_ask_question))
