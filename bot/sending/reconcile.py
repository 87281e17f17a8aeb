"""Making what Slack shows equal the database again: after a restart, and now and then.

A crash can fall between a change and the Slack update that shows it (a vote stored, its post
not yet updated), and Slack can refuse an update. So at start, and by a job, every open
application's post is rendered again from the database, with the Home tabs of the working group
and staff (at start) or of everyone whose Home this process published since the last run, and
the endorser's DM of an application closed since.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, select

from bot.sending.context import Deps
from bot.sending.endorsements import close_endorser_dms
from bot.sending.home import refresh_homes
from bot.sending.posts import refresh_post
from bot.sending.scrub import scrub_slack
from bot.sending.slack_errors import SLACK_FAILURES, error_code
from bot.services.roster import active_members
from models.tables import Application, ApplicationStatus


@dataclass
class Refreshed:
    """What one run re-rendered."""

    posts: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    homes: int = 0

    def __str__(self) -> str:
        failed = f", {len(self.failed)} refused by Slack" if self.failed else ""
        return f"{len(self.posts)} post(s) and {self.homes} Home tab(s) re-rendered{failed}."


log = logging.getLogger(__name__)


async def refresh_posts_and_homes(deps: Deps, client: AsyncWebClient) -> Refreshed:
    """Re-render every open application's post, and the Home tabs that may be out of date."""
    async with deps.sessions() as session:
        open_posts = (
            await session.exec(
                select(Application.id)
                .where(
                    col(Application.message_ts).is_not(None),
                    col(Application.status).in_(
                        [ApplicationStatus.UNDER_REVIEW, ApplicationStatus.FURTHER_WORK]
                    ),
                )
                .order_by(col(Application.id))
            )
        ).all()
        members = [m.slack_user_id for m in await active_members(session)]
    done = Refreshed()
    for application_id in open_posts:
        assert application_id is not None
        try:
            await refresh_post(deps, client, application_id)
            done.posts.append(application_id)
        except SLACK_FAILURES as error:
            log.warning("Could not re-render #%s: %s", application_id, error_code(error))
            done.failed.append(application_id)
    # Posts made before they stopped naming contacts, and erasures made without Slack (the
    # command line): once each (bot/sending/scrub.py).
    await scrub_slack(deps, client)
    # The endorser's DM of an application decided or withdrawn since: without its buttons, once.
    await close_endorser_dms(deps, client)
    homes = deps.home_tabs.to_reconcile(everyone=[*members, *sorted(deps.settings.staff)])
    refresh_homes(deps, client, homes, remember=False)
    done.homes = len(homes)
    return done
