"""Showing an application in Slack: the post is always re-rendered from the database."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.blocks.application import build_application_message
from bot.blocks.review import build_decision_announcement
from bot.domain.dates import day
from bot.domain.escape import mrkdwn, truncate
from bot.sending.coalesce import POST
from bot.sending.connections import send_connection_prompts
from bot.sending.context import Deps
from bot.sending.home import refresh_everyones_home
from bot.sending.once import Delivery, Key, Message, Record, Sent, Status, post_once
from bot.sending.slack_errors import SLACK_FAILURES, error_code
from bot.services import audit
from bot.services.applications import load_view
from bot.services.posting import POST_APPLICATION, POST_DECISION, POST_ROUND, mark_posted
from models.db import transaction
from models.tables import Application, ApplicationStatus, Membership, Outcome

log = logging.getLogger(__name__)

# Re-renders after an update before giving up on a post that keeps changing.
SETTLE_ATTEMPTS = 5


async def refresh_post(deps: Deps, client: AsyncWebClient, application_id: int) -> bool:
    """Make the application's channel post match the database; False if not posted yet.

    Concurrent refreshes of one post in this process are coalesced (bot/coalesce.py), so a
    burst of votes costs a few `chat.update` calls. After each update the post is rendered once
    more and sent again only if the database moved meanwhile (another instance's vote, say), so
    the post always ends showing the final tally. Slack errors (SlackApiError) propagate:
    callers decide whom to tell.
    """

    async def render_and_send() -> bool:
        sent: tuple[str, list[dict[str, Any]]] | None = None
        for _ in range(SETTLE_ATTEMPTS):
            async with deps.sessions() as session:
                view = await load_view(session, application_id)
            application = view.application
            if application.channel is None or application.message_ts is None:
                return False
            text, blocks = build_application_message(
                view,
                rules=deps.settings.rules,
                timezone=deps.settings.timezone,
                now=deps.clock.now(),
            )
            rendered = (text, [b.to_dict() for b in blocks])
            if rendered == sent:
                break
            await client.chat_update(
                channel=application.channel, ts=application.message_ts, text=text, blocks=blocks
            )
            sent = rendered
        return True

    return await deps.post_updates.run((POST, application_id), render_and_send)


@dataclass(frozen=True)
class PostResult:
    """How an attempt to post went: posted, or why not (and what to do, for people)."""

    posted: bool
    advice: str | None = None  # explain(error) when Slack refused or was unreachable
    error_code: str | None = None
    permalink: str | None = None
    busy: bool = False  # someone else is posting it right now, or it no longer needs posting


async def permalink(client: AsyncWebClient, channel: str, ts: str) -> str | None:
    """The message's link (`chat.getPermalink`), or None if Slack would not give it now."""
    try:
        answer = await client.chat_getPermalink(channel=channel, message_ts=ts)
    except SLACK_FAILURES:
        return None
    link = answer.get("permalink")
    return link if isinstance(link, str) else None


async def _not_posted(
    deps: Deps, delivery: Delivery, application_id: int, number: int, *, actor: str, record: bool
) -> PostResult:
    """The PostResult of a post that did not happen; Slack's failures audited if `record`."""
    if delivery.status in (Status.TAKEN, Status.NOT_NEEDED):
        return PostResult(posted=False, busy=True)
    if record:
        async with transaction(deps.sessions) as session:
            application = await session.get(Application, application_id)
            council_id = application.council_id if application else None
            trail = audit.Trail(
                session,
                at=deps.clock.now(),
                actor=actor,
                council_id=council_id,
                application_id=application_id,
            )
            trail.record(
                "application.post_failed",
                round=number,
                error=delivery.error_code,
                advice=delivery.advice,
            )
    return PostResult(posted=False, advice=delivery.advice, error_code=delivery.error_code)


def _record_posted(deps: Deps, application_id: int, number: int, actor: str) -> Record:
    """Store where round `number` was posted (its deadline runs from then); run by `post_once`
    in the transaction that marks the post sent."""

    async def record(session: AsyncSession, sent: Sent) -> None:
        await mark_posted(
            session,
            application_id=application_id,
            number=number,
            channel=sent.channel,
            ts=sent.ts,
            now=sent.at,
            review_days=deps.settings.rules.review_days,
            actor=actor,
        )

    return record


async def try_post_application(
    deps: Deps,
    client: AsyncWebClient,
    application_id: int,
    *,
    actor: str = "system",
    record_failure: bool = True,
) -> PostResult:
    """Post a registered application to the working-group channel, exactly once (`post_once`).

    On a Slack failure the retry job (scheduler/posting.py) posts it later, and (if
    `record_failure`) `application.post_failed` is audited.
    """
    channel = deps.settings.channel
    if channel is None:
        return PostResult(posted=False, advice="SANCTUARY_CHANNEL is not set.")
    now = deps.clock.now()
    deadline = now + timedelta(days=deps.settings.rules.review_days)

    async def render() -> Message | None:
        async with deps.sessions() as session:
            view = await load_view(session, application_id)
        application = view.application
        if (
            application.message_ts is not None
            or application.status != ApplicationStatus.UNDER_REVIEW
        ):
            return None  # posted already, or withdrawn before it ever reached the channel
        if view.round is not None:
            # Render with the deadline the round will have once Slack accepts the post.
            shown = view.round.model_copy(update={"posted_at": now, "deadline_at": deadline})
            view = replace(view, round=shown)
        text, blocks = build_application_message(
            view, rules=deps.settings.rules, timezone=deps.settings.timezone, now=now
        )
        return Message(channel=channel, text=text, blocks=blocks)

    key = Key(POST_APPLICATION, subject_id=application_id, round=1)
    record = _record_posted(deps, application_id, 1, actor)
    delivery = await post_once(deps, client, key, render, record, now=now)
    if delivery.sent is None:
        return await _not_posted(
            deps, delivery, application_id, 1, actor=actor, record=record_failure
        )
    if delivery.adopted:
        # Posted by an earlier attempt whose answer never came: votes clicked on it since were
        # recorded but could not be shown until now.
        try:
            await refresh_post(deps, client, application_id)
        except SLACK_FAILURES as error:
            log.warning(
                "Could not re-render application #%s: %s", application_id, error_code(error)
            )
    await refresh_everyones_home(deps, client)
    await send_connection_prompts(deps, client, application_id)
    link = await permalink(client, delivery.sent.channel, delivery.sent.ts)
    return PostResult(posted=True, permalink=link)


async def try_post_round(
    deps: Deps,
    client: AsyncWebClient,
    application_id: int,
    number: int,
    *,
    what_changed: str = "",
    actor: str = "system",
    record_failure: bool = True,
) -> PostResult:
    """Announce round `number` in the application's thread (exactly once); re-render the post."""
    text = f"Round {number} opened: evidence updated"
    if what_changed:
        text += f" — {mrkdwn(truncate(what_changed, 500))}"
    days = deps.settings.rules.review_days
    text += f". Please review and vote again; the deadline is {days} days from now."

    async def render() -> Message | None:
        async with deps.sessions() as session:
            application = await session.get(Application, application_id)
        if application is None or application.channel is None or application.message_ts is None:
            return None
        return Message(channel=application.channel, thread_ts=application.message_ts, text=text)

    key = Key(POST_ROUND, subject_id=application_id, round=number)
    record = _record_posted(deps, application_id, number, actor)
    delivery = await post_once(deps, client, key, render, record)
    if not delivery.ok:
        return await _not_posted(
            deps, delivery, application_id, number, actor=actor, record=record_failure
        )
    try:
        await refresh_post(deps, client, application_id)
    except SLACK_FAILURES as error:
        log.warning("Could not re-render application #%s: %s", application_id, error_code(error))
    await refresh_everyones_home(deps, client)
    return PostResult(posted=True)


async def announce_decision(
    deps: Deps, client: AsyncWebClient, application_id: int, round: int
) -> PostResult:
    """Announce a round's decision in the application's thread and the channel, exactly once.

    If Slack refuses, the retry job (scheduler/posting.py) announces it later.
    """

    async def render() -> Message | None:
        async with deps.sessions() as session:
            view = await load_view(session, application_id)
            membership = (
                await session.exec(
                    select(Membership).where(Membership.application_id == application_id)
                )
            ).first()
        decision = next((d for d in view.decisions if d.round == round), None)
        application = view.application
        if decision is None or application.channel is None or application.message_ts is None:
            return None
        text, blocks = build_decision_announcement(
            council=view.council.name,
            round=round,
            outcome=Outcome(decision.outcome),
            rationale=decision.rationale,
            decided_by=decision.decided_by,
            without_quorum_reason=decision.without_quorum_reason,
            membership_until=day(membership.ends_on) if membership is not None else None,
        )
        # Also sent to the channel: the decision is news for everyone there, and it follows any
        # earlier broadcast (the quorum warning) instead of leaving that as the channel's last word.
        return Message(
            channel=application.channel,
            thread_ts=application.message_ts,
            text=text,
            blocks=blocks,
            broadcast=True,
        )

    delivery = await post_once(
        deps, client, Key(POST_DECISION, subject_id=application_id, round=round), render
    )
    if delivery.status in (Status.TAKEN, Status.NOT_NEEDED):
        return PostResult(posted=False, busy=True)
    return PostResult(posted=delivery.ok, advice=delivery.advice, error_code=delivery.error_code)
