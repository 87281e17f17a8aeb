"""The review buttons on an application's post: vote, declare a conflict, record the decision.

They answer in the channel of the click (chat.postEphemeral, a DM if Slack refuses that); the
services decide who may do what.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import button_value
from bot.blocks.review import build_conflict_modal, build_decision_modal, vote_confirmation
from bot.domain import ids
from bot.domain.refusals import Refused, Task
from bot.sending.context import Deps
from bot.sending.db_errors import tells_when_database_is_down
from bot.sending.home import refresh_homes
from bot.sending.slack_errors import post_not_updated
from bot.services.decisions import decision_form
from bot.services.voting import conflict_form, record_vote
from handlers.permissions import staff_only
from handlers.person import Person, refreshed
from models.db import transaction
from models.tables import VoteChoice

CHOICE_FOR_ACTION: dict[str, VoteChoice] = {
    ids.VOTE_APPROVE: VoteChoice.APPROVE,
    ids.VOTE_FURTHER_WORK: VoteChoice.FURTHER_WORK,
    ids.VOTE_DECLINE: VoteChoice.DECLINE,
    ids.VOTE_ABSTAIN: VoteChoice.ABSTAIN,
}


async def on_vote(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    await ack()
    person = Person.of(body, client, channel=deps.settings.channel)
    try:
        ref = button_value.read_ref(action.get("value"))
        async with transaction(deps.sessions) as session:
            result = await record_vote(
                session,
                application_id=ref.application_id,
                round=ref.round,
                voter=person.user_id,
                choice=CHOICE_FOR_ACTION[str(action.get("action_id"))],
                now=deps.clock.now(),
            )
    except Refused as refused:
        await person.refuse(refused)
        return
    note = (
        ""
        if result.unchanged
        else await refreshed(deps, client, result.application_id, post_not_updated)
    )
    await person.tell(vote_confirmation(result) + note)
    await refresh_homes(deps, client, [person.user_id])


async def on_declare_conflict(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    await ack()
    person = Person.of(body, client, channel=deps.settings.channel)
    try:
        ref = button_value.read_ref(action.get("value"))
        async with deps.sessions() as session:
            view = await conflict_form(session, ref.application_id, person.user_id)
    except Refused as refused:
        await person.refuse(refused)
        return
    await person.open_form(body["trigger_id"], build_conflict_modal(view))


async def on_record_decision(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    await ack()
    person = Person.of(body, client, channel=deps.settings.channel)
    try:
        ref = button_value.read_ref(action.get("value"))
        async with deps.sessions() as session:
            view = await decision_form(
                session,
                ref.application_id,
                ref.round,
                actor=person.user_id,
                staff=deps.settings.staff,
            )
    except Refused as refused:
        await person.refuse(refused)
        return
    modal = build_decision_modal(view, rules=deps.settings.rules, recused=view.recused)
    await person.open_form(body["trigger_id"], modal)


def register(app: AsyncApp) -> None:
    for action_id in ids.VOTE_ACTIONS:
        app.action(action_id)(tells_when_database_is_down(on_vote))
    app.action(ids.DECLARE_CONFLICT)(tells_when_database_is_down(on_declare_conflict))
    app.action(ids.RECORD_DECISION, middleware=[staff_only(Task.DECIDE)])(
        tells_when_database_is_down(on_record_decision)
    )
