"""The review buttons on an application's post: vote, declare a conflict, record the decision."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.review import build_conflict_modal, build_decision_modal
from bot.domain import ids
from bot.sending.context import Deps
from bot.sending.db_errors import tells_when_database_is_down
from bot.sending.home import refresh_homes
from bot.sending.posts import refresh_post
from bot.sending.slack_errors import SLACK_FAILURES, form_not_opened, post_not_updated
from bot.sending.tell import tell
from bot.services.applications import NotFound, load_view
from bot.services.roster import active_member
from bot.services.voting import (
    REFUSAL_TEXT,
    Refusal,
    VoteRefused,
    is_recused,
    parse_button_value,
    record_vote,
)
from models.db import transaction
from models.tables import ApplicationStatus, VoteChoice

log = logging.getLogger(__name__)

CHOICE_FOR_ACTION: dict[str, VoteChoice] = {
    ids.VOTE_APPROVE: VoteChoice.APPROVE,
    ids.VOTE_FURTHER_WORK: VoteChoice.FURTHER_WORK,
    ids.VOTE_DECLINE: VoteChoice.DECLINE,
    ids.VOTE_ABSTAIN: VoteChoice.ABSTAIN,
}


def _channel(body: dict[str, Any], deps: Deps) -> str:
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    return str(channel or deps.settings.channel or "")


async def _tell(client: AsyncWebClient, channel: str, user: str, text: str) -> None:
    """An answer only `user` sees, in the channel of the click (a DM if Slack refuses that)."""
    await tell(client, user, text, channel=channel or None)


async def on_vote(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    await ack()
    user = body["user"]["id"]
    channel = _channel(body, deps)
    parsed = parse_button_value(str(action.get("value", "")))
    choice = CHOICE_FOR_ACTION.get(str(action.get("action_id")))
    if parsed is None or choice is None:
        await _tell(client, channel, user, REFUSAL_TEXT[Refusal.NOT_FOUND])
        return
    application_id, round = parsed
    try:
        async with transaction(deps.sessions) as session:
            result = await record_vote(
                session,
                application_id=application_id,
                round=round,
                voter=user,
                choice=choice,
                now=deps.clock.now(),
            )
    except VoteRefused as refusal:
        await _tell(client, channel, user, refusal.message)
        return
    note = ""
    if not result.unchanged:
        try:
            await refresh_post(deps, client, application_id)
        except SLACK_FAILURES as error:
            log.warning("Could not update post of application %s: %s", application_id, error)
            note = " " + post_not_updated(error)
    await _tell(client, channel, user, result.confirmation() + note)
    await refresh_homes(deps, client, [user])


async def on_declare_conflict(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    await ack()
    user = body["user"]["id"]
    channel = _channel(body, deps)
    parsed = parse_button_value(str(action.get("value", "")))
    if parsed is None:
        await _tell(client, channel, user, REFUSAL_TEXT[Refusal.NOT_FOUND])
        return
    async with deps.sessions() as session:
        member = await active_member(session, user)
        try:
            view = await load_view(session, parsed[0])
        except NotFound:
            view = None
        recused = (
            member is not None
            and member.id is not None
            and view is not None
            and await is_recused(session, parsed[0], member.id)
        )
    if view is None:
        refusal: Refusal | None = Refusal.NOT_FOUND
    elif member is None:
        refusal = Refusal.NOT_MEMBER
    elif recused:
        refusal = Refusal.ALREADY_DECLARED
    elif not ApplicationStatus(view.application.status).is_open:
        refusal = Refusal.NOT_OPEN
    else:
        refusal = None
    if refusal is not None or view is None:
        text = (
            "Only members of the working group declare conflicts here."
            if refusal == Refusal.NOT_MEMBER
            else REFUSAL_TEXT[refusal or Refusal.NOT_FOUND]
        )
        await _tell(client, channel, user, text)
        return
    try:
        await client.views_open(trigger_id=body["trigger_id"], view=build_conflict_modal(view))
    except SLACK_FAILURES as error:
        await _tell(client, channel, user, form_not_opened(error))


async def on_record_decision(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    await ack()
    user = body["user"]["id"]
    channel = _channel(body, deps)
    if not deps.settings.is_staff(user):
        await _tell(
            client,
            channel,
            user,
            "Sorry, decisions are recorded by City of Sanctuary UK staff. The working group's "
            "votes and comments inform them.",
        )
        return
    parsed = parse_button_value(str(action.get("value", "")))
    try:
        if parsed is None:
            raise NotFound("bad button value")
        async with deps.sessions() as session:
            view = await load_view(session, parsed[0])
    except NotFound:
        await _tell(client, channel, user, REFUSAL_TEXT[Refusal.NOT_FOUND])
        return
    if view.decision is not None or view.application.status != ApplicationStatus.UNDER_REVIEW:
        await _tell(
            client,
            channel,
            user,
            "This round is already decided (or the application is not under review): "
            "a round is decided once.",
        )
        return
    if parsed[1] != view.application.current_round:
        await _tell(client, channel, user, REFUSAL_TEXT[Refusal.OLD_ROUND])
        return
    modal = build_decision_modal(view, rules=deps.settings.rules, recused=view.recused)
    try:
        await client.views_open(trigger_id=body["trigger_id"], view=modal)
    except SLACK_FAILURES as error:
        await _tell(client, channel, user, form_not_opened(error))


def register(app: AsyncApp) -> None:
    for action_id in ids.VOTE_ACTIONS:
        app.action(action_id)(tells_when_database_is_down(on_vote))
    app.action(ids.DECLARE_CONFLICT)(tells_when_database_is_down(on_declare_conflict))
    app.action(ids.RECORD_DECISION)(tells_when_database_is_down(on_record_decision))
