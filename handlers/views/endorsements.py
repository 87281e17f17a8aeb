"""The endorser's question to staff (the form opened by "Ask a question")."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import button_value
from bot.blocks.endorsements import question_errors, read_question
from bot.domain import ids
from bot.sending import endorsements as sending
from bot.sending.context import Deps
from bot.services import endorsements
from handlers.attempt import submitted


async def on_question_submitted(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    user = body["user"]["id"]
    question = await submitted(
        ack,
        view,
        deps,
        question_errors,
        lambda session: endorsements.ask(
            session,
            button_value.read_id(view.get("private_metadata")),
            user=user,
            text=read_question(view),
            now=deps.clock.now(),
        ),
    )
    if question is None:
        return
    delivered = await sending.tell_staff(deps, client, question)
    await sending.confirm_question(deps, client, question, delivered)


def register(app: AsyncApp) -> None:
    app.view(ids.ENDORSEMENT_QUESTION_VIEW)(on_question_submitted)
