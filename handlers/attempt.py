"""A listener's service call: in one transaction (or one session, to read), its refusal handed
to the listener's way of saying no: a message only the person sees, or errors on the form."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from slack_bolt.async_app import AsyncAck
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.refusals import Refused
from bot.sending.context import Deps
from models.db import transaction

T = TypeVar("T")
SayNo = Callable[[Refused], Awaitable[object]]


async def attempt(
    deps: Deps,
    call: Callable[[AsyncSession], Awaitable[T]],
    refused: SayNo,
    *,
    write: bool = True,
) -> T | None:
    """What `call` returns, or None once `refused` has said why not."""
    try:
        if write:
            async with transaction(deps.sessions) as session:
                return await call(session)
        async with deps.sessions() as session:
            return await call(session)
    except Refused as refusal:
        await refused(refusal)
        return None


def on_the_form(
    ack: AsyncAck,
    view: Mapping[str, Any],
    errors: Callable[[Mapping[str, Any], Refused], dict[str, str]],
) -> SayNo:
    """Say no on the submitted form: the ack keeps it open, with the refusal on its inputs."""

    async def say(refused: Refused) -> None:
        await ack(response_action="errors", errors=errors(view, refused))

    return say
