"""Who may use a listener, declared where it is registered (the services check again).

`app.action(ids.RECORD_DECISION, middleware=[staff_only(Task.DECIDE)])`: staff pass through to
the listener; anyone else is told why not (on the form, for a modal) and the listener never runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import modal_state
from bot.domain.refusals import Refusal, Refused, Task
from bot.sending.context import Deps
from handlers.person import Person

Middleware = Callable[..., Awaitable[BoltResponse | None]]


def staff_only(task: Task) -> Middleware:
    """Listener middleware letting only staff (SANCTUARY_STAFF) do `task`."""

    async def only_staff(
        ack: AsyncAck,
        body: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond | None,
        deps: Deps,
        next: Callable[[], Awaitable[None]],
    ) -> BoltResponse | None:
        if deps.settings.is_staff(body["user"]["id"]):
            await next()
            return None
        refused = Refused(Refusal.NOT_STAFF, task=task)
        if body.get("type") == "view_submission":
            errors = modal_state.errors(body["view"], refused, str)
            return await ack(response_action="errors", errors=errors)
        # A refusal only reads, so it is answered before the ack goes back (one Slack call).
        acked = await ack()
        await Person.of(body, client, respond).refuse(refused)
        return acked

    return only_staff
