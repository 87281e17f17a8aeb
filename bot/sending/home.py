"""Publishing a person's App Home; other flows call `publish_home` to keep it current."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.home import build_home
from bot.domain.dates import local_date
from bot.sending.coalesce import POST
from bot.sending.context import Deps
from bot.sending.slack_errors import SLACK_FAILURES, error_code
from bot.services.home import gather_home
from bot.services.roster import active_members

log = logging.getLogger(__name__)


async def publish_home(deps: Deps, client: AsyncWebClient, user_id: str) -> bool:
    """Render `user_id`'s Home tab from the database and publish it; False if Slack refused.

    Safe to call after any change (a vote, a decision, a roster change): it never raises for
    a Slack error, since the person will see the tab refreshed the next time they open it.
    """
    settings = deps.settings
    now = deps.clock.now()
    async with deps.sessions() as session:
        data = await gather_home(
            session,
            user_id,
            staff=settings.staff,
            now=now,
            today=local_date(now, settings.timezone),
            rules=settings.rules,
        )
    view = build_home(data, tz=settings.timezone, now=now)
    try:
        await client.views_publish(user_id=user_id, view=view.to_dict())
    except SLACK_FAILURES as error:
        log.warning("Could not publish the Home tab of %s: %s", user_id, error_code(error))
        return False
    return True


def refresh_homes(
    deps: Deps, client: AsyncWebClient, user_ids: Iterable[str], *, remember: bool = True
) -> None:
    """Have these people's Home tabs published again soon, after a change that affects them;
    returns at once (bot/sending/home_tabs.py: one at a time, after the posts' updates, and a
    burst of changes costs one `views.publish` per person, showing the final state)."""

    async def publish(user_id: str) -> bool:
        return await publish_home(deps, client, user_id)

    def busy() -> bool:
        return deps.post_updates.in_flight(POST)

    deps.home_tabs.ask(user_ids, publish, busy, remember=remember)


async def refresh_everyones_home(deps: Deps, client: AsyncWebClient) -> None:
    """After a change everyone's Home shows (a new post, a round, a decision): the working
    group and staff."""
    async with deps.sessions() as session:
        members = [m.slack_user_id for m in await active_members(session)]
    refresh_homes(deps, client, [*members, *sorted(deps.settings.staff)])
