"""The person a listener answers: who clicked, typed or submitted, and how to tell only them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.connections import refusal_blocks
from bot.blocks.refusals import explain
from bot.domain.refusals import Refused
from bot.sending.context import Deps
from bot.sending.posts import refresh_post
from bot.sending.slack_errors import (
    SLACK_FAILURES,
    error_code,
    form_not_opened,
    post_not_updated,
)
from bot.sending.tell import sender, tell

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Person:
    """Someone to answer privately, and the ways to reach them (bot/sending/tell.py)."""

    client: AsyncWebClient
    user_id: str
    channel: str | None = None  # where an ephemeral answer goes (else a DM)
    respond: AsyncRespond | None = None  # the payload's response_url, tried first

    @classmethod
    def of(
        cls,
        body: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond | None = None,
        *,
        channel: str | None = None,
    ) -> Person:
        """The sender of `body`; answered in its channel, else in `channel`."""
        user, where = sender(body)
        if user is None:
            raise KeyError("the payload names no user")
        return cls(client, user, where or channel, respond)

    async def tell(self, text: str, blocks: Sequence[Block | dict[str, Any]] | None = None) -> None:
        await tell(
            self.client,
            self.user_id,
            text,
            blocks=blocks,
            respond=self.respond,
            channel=self.channel,
        )

    async def refuse(self, refused: Refused) -> None:
        await self.tell(explain(refused), refusal_blocks(refused))

    async def open_form(self, trigger_id: str, view: View) -> None:
        """Open a modal for them; if Slack will not, say so (nothing was changed)."""
        try:
            await self.client.views_open(trigger_id=trigger_id, view=view)
        except SLACK_FAILURES as error:
            await self.tell(form_not_opened(error))


async def refreshed(
    deps: Deps,
    client: AsyncWebClient,
    application_id: int,
    why: Callable[[BaseException], str] = post_not_updated,
) -> str:
    """Re-render the application's post after a change; "" if done, else a note saying `why`."""
    try:
        await refresh_post(deps, client, application_id)
    except SLACK_FAILURES as error:
        log.warning(
            "Could not update the post of application %s: %s", application_id, error_code(error)
        )
        return " " + why(error)
    return ""
