"""The daily erasure job: erase the contact details whose retention period has run out (UK GDPR),
and make the channel posts of erased applications stop showing them."""

from __future__ import annotations

import logging

from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.dates import local_date
from bot.sending.context import Deps
from bot.sending.scrub import scrub_slack
from bot.services import personal_data
from models.db import transaction

log = logging.getLogger(__name__)


async def erase_lapsed_contacts(deps: Deps, client: AsyncWebClient) -> list[int]:
    """The job. Safe to run twice: erased applications are marked and not picked up again."""
    now = deps.clock.now()
    async with transaction(deps.sessions) as session:
        erased = await personal_data.erase_lapsed_contacts(
            session,
            now=now,
            today=local_date(now, deps.settings.timezone),
            retention_months=deps.settings.rules.contact_retention_months,
        )
    if erased:
        log.info("Erased the contacts of %d application(s): %s", len(erased), erased)
    await scrub_slack(deps, client)  # as after an erasure on request
    return erased
