"""The endorsement's messages, each through the one exactly-once path (bot/sending/once.py):
the DM asking the endorser, their question to staff, and the post re-rendered after a change."""

from __future__ import annotations

import functools

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.blocks.endorsements import build_endorsement_request, question_erased, question_to_staff
from bot.sending.context import Deps
from bot.sending.once import (
    Delivery,
    Key,
    Message,
    Sent,
    Status,
    find_in_slack,
    post_once,
    update_once,
)
from bot.sending.posts import refresh_post
from bot.services import endorsements, ledger
from bot.services.endorsements import EndorsementChange, Question


async def ask_endorser(deps: Deps, client: AsyncWebClient, application_id: int) -> Delivery:
    """DM the endorser named in Slack, once per application and endorser, while pending."""
    async with deps.sessions() as session:
        request = await endorsements.request(session, application_id)
    if request is None:
        return Delivery(Status.NOT_NEEDED)
    endorser = request.endorser

    async def render() -> Message | None:
        async with deps.sessions() as session:
            now_pending = await endorsements.request(session, application_id)
        if now_pending is None or now_pending.endorser != endorser:
            return None  # answered, recorded, withdrawn or another endorser named meanwhile
        text, blocks = build_endorsement_request(now_pending.application, now_pending.council)
        return Message(channel=endorser, text=text, blocks=blocks)

    async def record(session: AsyncSession, sent: Sent) -> None:
        await endorsements.record_request_sent(
            session, application_id, endorser, at=sent.at, dm=(sent.channel, sent.ts)
        )

    key = Key(endorsements.ENDORSEMENT_REQUEST, subject_id=application_id, recipient=endorser)
    return await post_once(deps, client, key, render, record)


async def tell_staff(deps: Deps, client: AsyncWebClient, question: Question) -> bool:
    """DM the endorser's question to each member of staff (once each); True if all got it."""
    text = question_to_staff(question)
    delivered = True
    for staff in sorted(deps.settings.staff):
        key = Key(endorsements.ENDORSEMENT_QUESTION, subject_id=question.entry_id, recipient=staff)
        delivery = await post_once(deps, client, key, Message(channel=staff, text=text))
        delivered = delivered and delivery.status in (Status.SENT, Status.TAKEN)
    return delivered


async def confirm_question(
    deps: Deps, client: AsyncWebClient, question: Question, delivered: bool
) -> Delivery:
    """Tell the endorser, by DM and once, that their question went to staff (or is kept until
    Slack delivers it to all of them)."""
    if delivered:
        text = "Your question went to City of Sanctuary UK staff; they will answer you directly."
    else:
        text = "Your question is kept, but Slack did not deliver it to every member of staff yet."
    key = Key(
        endorsements.ENDORSEMENT_QUESTION_SENT,
        subject_id=question.entry_id,
        recipient=question.endorser,
    )
    return await post_once(deps, client, key, Message(channel=question.endorser, text=text))


async def show(deps: Deps, client: AsyncWebClient, change: EndorsementChange) -> Delivery:
    """Re-render the application's post, and the endorser's DM, after an endorsement change,
    once each per change; how the post's went."""
    if change.entry_id is None:
        return Delivery(Status.NOT_NEEDED)
    key = Key(endorsements.ENDORSEMENT_SHOWN, subject_id=change.entry_id)
    shown = await update_once(
        deps, client, key, lambda: refresh_post(deps, client, change.application_id)
    )
    key = Key(endorsements.ENDORSEMENT_DM_SHOWN, subject_id=change.entry_id)
    application_id = change.application_id
    await update_once(deps, client, key, lambda: refresh_endorser_dm(deps, client, application_id))
    return shown


async def close_endorser_dms(deps: Deps, client: AsyncWebClient) -> list[int]:
    """Render once more, without buttons, the endorser's DM of each application that closed
    since (decided or withdrawn); the applications'. Run by the refresh job."""
    async with deps.sessions() as session:
        due = await endorsements.closed_with_dm_open(session)
    done = []
    for application_id in due:
        key = Key(endorsements.ENDORSEMENT_DM_CLOSED, subject_id=application_id)
        refresh = functools.partial(refresh_endorser_dm, deps, client, application_id)
        delivery = await update_once(deps, client, key, refresh)
        if delivery.ok:
            done.append(application_id)
    return done


async def refresh_endorser_dm(deps: Deps, client: AsyncWebClient, application_id: int) -> None:
    """Render the DM that asked the endorser again from the database: what they answered (or
    staff recorded) instead of the question, and what they can still change."""
    async with deps.sessions() as session:
        dm = await endorsements.endorser_dm(session, application_id)
    if dm is None:
        return
    text, blocks = build_endorsement_request(dm.application, dm.council)
    await client.chat_update(channel=dm.channel, ts=dm.ts, text=text, blocks=blocks)


async def forget_question(deps: Deps, client: AsyncWebClient, entry_id: int) -> None:
    """Render again, without its text, each staff DM that carried the endorser's question
    `entry_id` (erased on request, bot/services/personal_data.py). Idempotent: run through
    `update_once` by bot/sending/scrub.py. Slack's failures propagate (the scrub retries)."""
    async with deps.sessions() as session:
        sent = await ledger.handed_over(session, endorsements.ENDORSEMENT_QUESTION, entry_id)
    for key, since in sent:
        where = Message(channel=key.recipient, text="")
        found = await find_in_slack(client, key, where, since=since)
        if found is not None:
            await client.chat_update(channel=found.channel, ts=found.ts, text=question_erased())
