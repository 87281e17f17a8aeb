"""The daily event-id job: forget Slack event ids long past any retry."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, delete

from bot.sending.context import Deps
from models.db import SessionFactory, transaction
from models.tables import ProcessedEvent

log = logging.getLogger(__name__)

# Slack retries an event three times within about five minutes; a week is ample.
KEEP_EVENT_IDS = timedelta(days=7)


async def forget_event_ids_before(sessions: SessionFactory, now: datetime) -> int:
    """Delete event ids received before `now - KEEP_EVENT_IDS`; how many went."""
    async with transaction(sessions) as session:
        result = await session.exec(
            delete(ProcessedEvent).where(col(ProcessedEvent.received_at) < now - KEEP_EVENT_IDS)
        )
        return int(result.rowcount or 0)


async def forget_old_event_ids(deps: Deps, client: AsyncWebClient) -> int:
    """The job: forget the event ids past any retry; how many went."""
    forgotten = await forget_event_ids_before(deps.sessions, deps.clock.now())
    if forgotten:
        log.info("Forgot %d Slack event id(s) older than %s", forgotten, KEEP_EVENT_IDS)
    return forgotten
