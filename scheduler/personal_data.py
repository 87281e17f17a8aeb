"""Daily: erase the contact details whose retention period has run out (UK GDPR)."""

from __future__ import annotations

import logging

from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.format import local_date
from bot.context import Deps
from bot.services.personal_data import erase_lapsed_contacts
from models.db import transaction

log = logging.getLogger(__name__)


async def erase_lapsed_contacts_job(deps: Deps, client: AsyncWebClient) -> list[int]:
    """Safe to run twice: erased applications are marked and not picked up again."""
    now = deps.clock.now()
    async with transaction(deps.sessions) as session:
        erased = await erase_lapsed_contacts(
            session,
            now=now,
            today=local_date(now, deps.settings.timezone),
            retention_months=deps.settings.rules.contact_retention_months,
        )
    if erased:
        log.info("Erased the contacts of %d application(s): %s", len(erased), erased)
    return erased
