"""Submissions of the conflict-of-interest and decision modals."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain import ids
from bot.domain.escape import clean, parse_id
from bot.domain.review import CHOICE_LABELS
from bot.sending.context import Deps
from bot.sending.home import refresh_everyones_home, refresh_homes
from bot.sending.posts import announce_decision, refresh_post
from bot.sending.slack_errors import SLACK_FAILURES, error_code, post_not_updated
from bot.sending.tell import tell
from bot.services.decisions import DecisionRefused, record_decision
from bot.services.voting import VoteRefused, declare_conflict
from models.db import transaction
from models.tables import Outcome

log = logging.getLogger(__name__)


def _text_value(view: dict[str, Any], block_id: str, action_id: str) -> str:
    values = view.get("state", {}).get("values", {})
    return clean(str((values.get(block_id, {}).get(action_id) or {}).get("value") or "")).strip()


def _selected(view: dict[str, Any], block_id: str, action_id: str) -> str | None:
    values = view.get("state", {}).get("values", {})
    option = (values.get(block_id, {}).get(action_id) or {}).get("selected_option")
    return str(option["value"]) if isinstance(option, dict) and "value" in option else None


def _has_block(view: dict[str, Any], block_id: str) -> bool:
    return any(b.get("block_id") == block_id for b in view.get("blocks", []))


async def _tell(client: AsyncWebClient, channel: str | None, user: str, text: str) -> None:
    await tell(client, user, text, channel=channel)


async def on_conflict_submitted(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    user = body["user"]["id"]
    reason = _text_value(view, ids.CONFLICT_REASON_BLOCK, ids.CONFLICT_REASON_INPUT)
    application_id = parse_id(str(view.get("private_metadata", "")))
    if application_id is None:
        await ack(
            response_action="errors",
            errors={ids.CONFLICT_REASON_BLOCK: "This form has lost its application; close it."},
        )
        return
    try:
        async with transaction(deps.sessions) as session:
            result = await declare_conflict(
                session,
                application_id=application_id,
                member_user_id=user,
                reason=reason,
                now=deps.clock.now(),
            )
    except VoteRefused as refusal:
        await ack(response_action="errors", errors={ids.CONFLICT_REASON_BLOCK: refusal.message})
        return
    await ack()
    channel = deps.settings.channel
    note = ""
    try:
        await refresh_post(deps, client, application_id)
    except SLACK_FAILURES as error:
        log.warning("Could not update post of application %s: %s", application_id, error)
        note = " " + post_not_updated(error)
    withdrawn = (
        f" Your earlier vote ({CHOICE_LABELS[result.withdrawn]}) is withdrawn."
        if result.withdrawn
        else ""
    )
    await _tell(
        client,
        channel,
        user,
        "Conflict of interest recorded: you are recused from this application and will get no "
        f"reminders about it.{withdrawn}{note}",
    )
    await refresh_homes(deps, client, [user])


async def on_decision_submitted(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    user = body["user"]["id"]
    if not deps.settings.is_staff(user):
        await ack(
            response_action="errors",
            errors={ids.DECISION_RATIONALE_BLOCK: "Decisions are recorded by staff."},
        )
        return
    app_part, _, round_part = str(view.get("private_metadata", "")).partition(":")
    outcome_value = _selected(view, ids.DECISION_OUTCOME_BLOCK, ids.DECISION_OUTCOME_INPUT)
    if outcome_value not in {str(o) for o in Outcome}:
        await ack(
            response_action="errors",
            errors={ids.DECISION_OUTCOME_BLOCK: "Choose the outcome."},
        )
        return
    parsed_id = parse_id(app_part)
    if parsed_id is None:
        await ack(
            response_action="errors",
            errors={ids.DECISION_RATIONALE_BLOCK: "This form has lost its application; close it."},
        )
        return
    application_id = parsed_id
    no_quorum_present = _has_block(view, ids.DECISION_NO_QUORUM_BLOCK)
    now = deps.clock.now()
    try:
        async with transaction(deps.sessions) as session:
            result = await record_decision(
                session,
                application_id=application_id,
                round=parse_id(round_part),
                outcome=Outcome(outcome_value),
                rationale=_text_value(
                    view, ids.DECISION_RATIONALE_BLOCK, ids.DECISION_RATIONALE_INPUT
                ),
                without_quorum_reason=_text_value(
                    view, ids.DECISION_NO_QUORUM_BLOCK, ids.DECISION_NO_QUORUM_INPUT
                ),
                decided_by=user,
                now=now,
                rules=deps.settings.rules,
                timezone=deps.settings.timezone,
            )
    except DecisionRefused as refusal:
        block = {
            "rationale": ids.DECISION_RATIONALE_BLOCK,
            "no_quorum": ids.DECISION_NO_QUORUM_BLOCK
            if no_quorum_present
            else ids.DECISION_RATIONALE_BLOCK,
        }.get(refusal.field or "", ids.DECISION_OUTCOME_BLOCK)
        await ack(response_action="errors", errors={block: refusal.message})
        return
    await ack()
    application = result.application
    problems = []
    try:
        await refresh_post(deps, client, application_id)
    except SLACK_FAILURES as error:
        problems.append(error_code(error))
    announced = await announce_decision(deps, client, application_id, result.decision.round)
    if announced.error_code:
        problems.append(announced.error_code)
    if problems:
        await _tell(
            client,
            application.channel or deps.settings.channel,
            user,
            "The decision is recorded, but Slack would not update the channel just now "
            f"(`{'`, `'.join(problems)}`). The bot will show it there as soon as Slack accepts.",
        )
    await refresh_everyones_home(deps, client)


def register(app: AsyncApp) -> None:
    app.view(ids.CONFLICT_VIEW)(on_conflict_submitted)
    app.view(ids.DECISION_VIEW)(on_decision_submitted)
