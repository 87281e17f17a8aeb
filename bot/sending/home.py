"""Publishing a person's App Home; other flows call `publish_home` to keep it current."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.home import build_home
from bot.domain.dates import local_date
from bot.sending.coalesce import HOME, POST
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
    deps.home_tabs.published(user_id)
    return True


async def refresh_homes(deps: Deps, client: AsyncWebClient, user_ids: Iterable[str]) -> None:
    """Re-publish these people's Home tabs after a change that affects them.

    Coalesced per person (bot/coalesce.py): a burst of changes costs few `views.publish` calls,
    and the last one shows the final state.
    """

    def busy() -> bool:
        return deps.post_updates.in_flight(POST)

    with deps.home_tabs.asked():
        await deps.home_tabs.wait_for_quiet(busy)
        for user_id in dict.fromkeys(user_ids):

            async def send(user_id: str = user_id) -> bool:
                async with deps.home_tabs.turn(busy):
                    return await publish_home(deps, client, user_id)

            await deps.post_updates.run((HOME, user_id), send)


async def refresh_everyones_home(deps: Deps, client: AsyncWebClient) -> None:
    """After a change everyone's Home shows (a new post, a round, a decision): the working
    group and staff."""
    async with deps.sessions() as session:
        members = [m.slack_user_id for m in await active_members(session)]
    await refresh_homes(deps, client, [*members, *sorted(deps.settings.staff)])
