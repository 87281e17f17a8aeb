"""The review buttons on an application's post: vote, declare a conflict, record the decision.

They answer in the channel of the click (chat.postEphemeral, a DM if Slack refuses that); the
services decide who may do what.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.blocks import button_value
from bot.blocks.review import build_conflict_modal, build_decision_modal, vote_confirmation
from bot.domain import ids
from bot.domain.dates import local_date
from bot.domain.refusals import Task
from bot.sending.context import Deps
from bot.sending.db_errors import tells_when_database_is_down
from bot.sending.home import refresh_homes
from bot.services.applications import ApplicationView
from bot.services.decisions import decision_form
from bot.services.voting import VoteResult, conflict_form, record_vote
from handlers.attempt import attempt
from handlers.permissions import staff_only
from handlers.person import Person, refreshed
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
    choice = CHOICE_FOR_ACTION[str(action.get("action_id"))]

    async def vote(session: AsyncSession) -> VoteResult:
        ref = button_value.read_ref(action.get("value"))
        return await record_vote(
            session,
            application_id=ref.application_id,
            round=ref.round,
            voter=person.user_id,
            choice=choice,
            now=deps.clock.now(),
        )

    result = await attempt(deps, vote, person.refuse)
    if result is None:
        return
    note = "" if result.unchanged else await refreshed(deps, client, result.application_id)
    await person.tell(vote_confirmation(result) + note)
    refresh_homes(deps, client, [person.user_id])


async def on_declare_conflict(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    await ack()
    person = Person.of(body, client, channel=deps.settings.channel)
    view = await attempt(
        deps,
        lambda session: conflict_form(
            session,
            button_value.read_id(action.get("value")),
            person.user_id,
            deps.settings.staff,
        ),
        person.refuse,
        write=False,
    )
    if view is not None:
        await person.open_form(body["trigger_id"], build_conflict_modal(view))


async def on_record_decision(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    await ack()
    person = Person.of(body, client, channel=deps.settings.channel)

    def form(session: AsyncSession) -> Awaitable[ApplicationView]:
        ref = button_value.read_ref(action.get("value"))
        return decision_form(
            session, ref.application_id, ref.round, actor=person.user_id, staff=deps.settings.staff
        )

    view = await attempt(deps, form, person.refuse, write=False)
    if view is not None:
        today = local_date(deps.clock.now(), deps.settings.timezone)
        modal = build_decision_modal(
            view, rules=deps.settings.rules, recused=view.recused, today=today
        )
        await person.open_form(body["trigger_id"], modal)


def register(app: AsyncApp) -> None:
    for action_id in ids.VOTE_ACTIONS:
        app.action(action_id)(tells_when_database_is_down(on_vote))
    app.action(ids.DECLARE_CONFLICT)(tells_when_database_is_down(on_declare_conflict))
    app.action(ids.RECORD_DECISION, middleware=[staff_only(Task.DECIDE)])(
        tells_when_database_is_down(on_record_decision)
    )
