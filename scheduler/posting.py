"""Posting what Slack refused earlier: applications never posted, rounds never announced,
decisions never announced. Each goes exactly once, through `bot.sending.once`."""

from __future__ import annotations

import logging

from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.escape import mrkdwn, truncate
from bot.sending.context import Deps
from bot.sending.endorsements import ask_endorser
from bot.sending.once import Key, Message, post_once
from bot.sending.posts import (
    PostResult,
    announce_decision,
    refresh_post,
    try_post_application,
    try_post_round,
)
from bot.sending.slack_errors import SLACK_FAILURES, error_code
from bot.services.applications import load_view
from bot.services.endorsements import pending_requests
from bot.services.posting import (
    POSTED_NOTICE,
    pending_decision_announcements,
    pending_rounds,
)

log = logging.getLogger(__name__)


async def post_pending_applications(deps: Deps, client: AsyncWebClient) -> int:
    """Post every application (or new round, or decision) still waiting, and ask the endorsers
    not asked yet; each exactly once.

    How many were posted. Whoever registered an application is told, once, when it is posted.
    """
    async with deps.sessions() as session:
        pending = await pending_rounds(session)
    posted = 0
    for application_id, number in pending:
        if number == 1:
            result = await try_post_application(deps, client, application_id, record_failure=False)
        else:
            result = await try_post_round(
                deps, client, application_id, number, record_failure=False
            )
        if result.posted:
            posted += 1
            await _tell_it_is_posted(deps, client, application_id, number, result)
    async with deps.sessions() as session:
        decisions = await pending_decision_announcements(session)
    for application_id, round in decisions:
        if (await announce_decision(deps, client, application_id, round)).posted:
            posted += 1
            try:  # the post missed the decision too, if Slack was refusing then
                await refresh_post(deps, client, application_id)
            except SLACK_FAILURES as error:
                log.warning("Could not re-render #%s: %s", application_id, error_code(error))
    async with deps.sessions() as session:
        endorsers = await pending_requests(session)
    for application_id in endorsers:
        await ask_endorser(deps, client, application_id)
    return posted


async def _tell_it_is_posted(
    deps: Deps, client: AsyncWebClient, application_id: int, number: int, result: PostResult
) -> None:
    async with deps.sessions() as session:
        view = await load_view(session, application_id)
    name = mrkdwn(truncate(view.council.name, 150))
    where = f": <{result.permalink}|see the post>" if result.permalink else "."
    what = "Application" if number == 1 else f"Round {number} of application"
    registered_by = view.application.registered_by
    text = f"{what} #{application_id} ({name}) is now posted to the working group{where}"
    key = Key(POSTED_NOTICE, subject_id=application_id, round=number, recipient=registered_by)
    await post_once(deps, client, key, Message(channel=registered_by, text=text))
