"""The daily erasure job: erase the contact details whose retention period has run out (UK GDPR),
and make the channel posts of erased applications stop showing them."""

from __future__ import annotations

import functools
import logging

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, select

from bot.domain.dates import local_date
from bot.sending.context import Deps
from bot.sending.once import Key, update_once
from bot.sending.posts import refresh_post
from bot.services import personal_data
from models.db import transaction
from models.tables import Application, LedgerState, ReminderLedger

log = logging.getLogger(__name__)

POST_SCRUBBED = "post_scrubbed"


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
    await scrub_erased_posts(deps, client)
    return erased


async def scrub_erased_posts(deps: Deps, client: AsyncWebClient) -> list[int]:
    """Re-render, once each, the posts of applications whose contacts were erased (by this job
    or by `sanctuary-bot personal-data --erase`), so the channel no longer shows them."""
    async with deps.sessions() as session:
        scrubbed = select(ReminderLedger.subject_id).where(
            ReminderLedger.kind == POST_SCRUBBED, ReminderLedger.state == LedgerState.SENT
        )
        due = list(
            (
                await session.exec(
                    select(Application.id).where(
                        col(Application.contacts_erased_at).is_not(None),
                        col(Application.message_ts).is_not(None),
                        col(Application.id).not_in(scrubbed),
                    )
                )
            ).all()
        )
    done: list[int] = []
    for application_id in due:
        assert application_id is not None
        key = Key(POST_SCRUBBED, subject_id=application_id)
        scrub = functools.partial(refresh_post, deps, client, application_id)
        # An idempotent re-render: update_once gives the claim back on any failure.
        if (await update_once(deps, client, key, scrub)).ok:
            done.append(application_id)
    return done
