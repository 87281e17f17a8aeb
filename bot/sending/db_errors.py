"""When the database is down, busy past its time-out, or restarting: tell the person, clearly.

Nothing is half-written in that case: what a person did is written in one transaction (their
vote, their form, their comment); what follows it (posting, reminders) goes through the
exactly-once ledger, whose claims a later run retakes. So the answer is always the same: nothing
was saved, try again in a minute.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.sending.slack_errors import SLACK_FAILURES
from bot.sending.tell import sender, tell

log = logging.getLogger(__name__)

DATABASE_DOWN = (
    "Sorry, the bot's database is not answering just now, so nothing was saved. "
    "Please try again in a minute."
)

DATABASE_FAILURES: tuple[type[Exception], ...] = (OperationalError, InterfaceError, OSError)

Listener = Callable[..., Awaitable[None]]


def is_database_unavailable(error: BaseException) -> bool:
    """The database could not be reached or is busy/restarting (not a bug in a query)."""
    if isinstance(error, OperationalError | InterfaceError):
        return True
    # asyncpg raises OSError (connection refused) when a server is down; Slack's time-outs and
    # network errors are OSErrors too, but those are Slack failures, handled where they happen.
    return isinstance(error, OSError) and not isinstance(error, SLACK_FAILURES)


async def tell_database_down(
    body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond | None = None
) -> None:
    """Tell the person whose click or command met a database that is down (if there is one)."""
    user, channel = sender(body)
    if user is None:
        return  # an event: nobody to tell (it was acked already; logged as a warning)
    await tell(client, user, DATABASE_DOWN, respond=respond, channel=channel)


def tells_when_database_is_down(listener: Listener) -> Listener:
    """Wrap a listener that acks first: a database outage is told to the person, not raised.

    (Raised, it would reach `@app.error` too, but an exception right after `ack()` can make
    Bolt lose the ack and answer Slack 404.) The listener must take `body` and `client`.
    """

    @functools.wraps(listener)
    async def run(**kwargs: Any) -> None:
        try:
            await listener(**kwargs)
        except DATABASE_FAILURES as error:
            if not is_database_unavailable(error):
                raise  # a Slack time-out or network error: the listener's own business
            log.warning("The database is unavailable: %s", error)
            await tell_database_down(kwargs["body"], kwargs["client"], kwargs.get("respond"))

    return run
