"""Submission of the amendment form (a decision's rationale corrected, with a reason)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.blocks import review_state
from bot.blocks.connections import amended
from bot.domain import ids
from bot.domain.refusals import Task
from bot.sending.context import Deps
from bot.sending.corrections import show_amendment
from bot.sending.tell import tell
from bot.services.decisions import Amendment, amend_rationale
from handlers.attempt import submitted
from handlers.permissions import staff_only


async def on_amend_submitted(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    user = body["user"]["id"]

    def amend(session: AsyncSession) -> Awaitable[Amendment]:
        form = review_state.read_amendment(view)
        return amend_rationale(
            session,
            application_id=form.application_id,
            rationale=form.rationale,
            reason=form.reason,
            actor=user,
            staff=deps.settings.staff,
            now=deps.clock.now(),
        )

    result = await submitted(ack, view, deps, review_state.amend_errors, amend)
    if result is None:
        return
    delivery = await show_amendment(deps, client, result.decision)
    note = "" if delivery.ok else " Slack would not update the post just now; the bot will."
    await tell(client, user, amended(result, note), channel=deps.settings.channel)


def register(app: AsyncApp) -> None:
    app.view(ids.AMEND_VIEW, middleware=[staff_only(Task.AMEND)])(on_amend_submitted)
