"""Submissions of the conflict-of-interest and decision modals."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.blocks import button_value, review_state
from bot.blocks.review import conflict_confirmation
from bot.domain import ids
from bot.domain.refusals import Task
from bot.sending.context import Deps
from bot.sending.home import refresh_everyones_home, refresh_homes
from bot.sending.posts import announce_decision, refresh_post
from bot.sending.slack_errors import SLACK_FAILURES, error_code
from bot.sending.tell import tell
from bot.services.decisions import DecisionResult, record_decision
from bot.services.voting import declare_conflict
from handlers.attempt import submitted
from handlers.permissions import staff_only
from handlers.person import refreshed


async def on_conflict_submitted(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    user = body["user"]["id"]
    result = await submitted(
        ack,
        view,
        deps,
        review_state.errors,
        lambda session: declare_conflict(
            session,
            application_id=button_value.read_id(view.get("private_metadata")),
            member_user_id=user,
            reason=review_state.conflict_reason(view),
            now=deps.clock.now(),
            staff=deps.settings.staff,
        ),
    )
    if result is None:
        return
    note = await refreshed(deps, client, result.application_id)
    text = conflict_confirmation(result.withdrawn) + note
    await tell(client, user, text, channel=deps.settings.channel)
    refresh_homes(deps, client, [user])


async def on_decision_submitted(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    user = body["user"]["id"]

    def decide(session: AsyncSession) -> Awaitable[DecisionResult]:
        form = review_state.read_decision(view)
        return record_decision(
            session,
            application_id=form.application_id,
            round=form.round,
            outcome=form.outcome,
            rationale=form.rationale,
            without_quorum_reason=form.without_quorum_reason,
            decided_by=user,
            staff=deps.settings.staff,
            now=deps.clock.now(),
            rules=deps.settings.rules,
            timezone=deps.settings.timezone,
        )

    result = await submitted(ack, view, deps, review_state.errors, decide)
    if result is None:
        return
    await _show_decision(deps, client, user, result)
    await refresh_everyones_home(deps, client)


async def _show_decision(
    deps: Deps, client: AsyncWebClient, user: str, result: DecisionResult
) -> None:
    """Re-render the post and announce the decision; tell `user` if Slack would not."""
    application_id = result.decision.application_id
    problems = []
    try:
        await refresh_post(deps, client, application_id)
    except SLACK_FAILURES as error:
        problems.append(error_code(error))
    announced = await announce_decision(deps, client, application_id, result.decision.round)
    if announced.error_code:
        problems.append(announced.error_code)
    if problems:
        text = (
            "The decision is recorded, but Slack would not update the channel just now "
            f"(`{'`, `'.join(problems)}`). The bot will show it there as soon as Slack accepts."
        )
        await tell(client, user, text, channel=result.application.channel or deps.settings.channel)


def register(app: AsyncApp) -> None:
    app.view(ids.CONFLICT_VIEW)(on_conflict_submitted)
    app.view(ids.DECISION_VIEW, middleware=[staff_only(Task.DECIDE)])(on_decision_submitted)
