"""A listener's service call: in one transaction (or one session, to read), its refusal handed
to the listener's way of saying no: a message only the person sees, or errors on the form.

Nothing that changes state is acked before it is written: a form's submission is acked only
once its change is committed (or refused).
"""

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


async def submitted(
    ack: AsyncAck,
    view: Mapping[str, Any],
    deps: Deps,
    errors: Callable[[Mapping[str, Any], Refused], dict[str, str]],
    call: Callable[[AsyncSession], Awaitable[T]],
) -> T | None:
    """Write what a form submits, then ack (closing the form); a refusal is acked instead, with
    `errors` on its inputs, so the form stays open with what was typed. None if refused."""

    async def keep_open(refused: Refused) -> None:
        await ack(response_action="errors", errors=errors(view, refused))

    result = await attempt(deps, call, keep_open)
    if result is not None:
        await ack()
    return result
