"""The scan jobs. Each is a plain function of (deps, client) that may run twice safely.

Jobs call services and builders; they never import `handlers`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from bot.sending.connections import send_due_connection_prompts
from bot.sending.context import Deps
from bot.sending.corrections import show_pending_amendments
from bot.sending.reconcile import refresh_posts_and_homes
from scheduler.housekeeping import forget_old_event_ids
from scheduler.personal_data import erase_lapsed_contacts
from scheduler.posting import post_pending_applications
from scheduler.renewals import post_renewal_nags
from scheduler.review import send_review_reminders

JobFunction = Callable[[Deps, AsyncWebClient], Awaitable[object]]


@dataclass(frozen=True)
class Job:
    id: str
    run: JobFunction
    every_seconds: int
    description: str
    # Also run once right after start: catches up on what fell due while the bot was down.
    run_at_start: bool = False


# Each job's id is its function's name, and its description a sentence starting with that verb.
JOBS: list[Job] = [
    Job(
        id="refresh-posts-and-homes",
        run=refresh_posts_and_homes,
        every_seconds=15 * 60,
        description="Refresh every open application's post, and the Home tabs that may be out "
        "of date, from the database (at start: after a crash, Slack may show less than it holds).",
        run_at_start=True,
    ),
    Job(
        id="post-pending-applications",
        run=post_pending_applications,
        every_seconds=60,
        description="Post the applications, new rounds and decisions that Slack refused earlier.",
        run_at_start=True,
    ),
    Job(
        id="post-renewal-nags",
        run=post_renewal_nags,
        every_seconds=3600,
        description="Post the renewal nags that are due (by default 90, 30 and 7 days before a "
        "term ends, and on its last day), and the check-ins 12 and 24 months into a term.",
        run_at_start=True,
    ),
    Job(
        id="erase-lapsed-contacts",
        run=erase_lapsed_contacts,
        every_seconds=24 * 60 * 60,
        description="Erase the contact details kept longer than the retention period, and "
        "re-render their posts without them.",
    ),
    Job(
        id="send-review-reminders",
        run=send_review_reminders,
        every_seconds=15 * 60,
        description="Send the vote reminders and quorum warnings due before review deadlines; "
        "at a deadline, close the voting and tell staff the round is ready to decide.",
    ),
    Job(
        id="send-due-connection-prompts",
        run=send_due_connection_prompts,
        every_seconds=15 * 60,
        description="Send the prompts to people connected to an application under review who "
        "have not answered (a connection recorded after the post, or a prompt Slack refused).",
        run_at_start=True,
    ),
    Job(
        id="show-pending-amendments",
        run=show_pending_amendments,
        every_seconds=15 * 60,
        description="Show the amended decisions whose post Slack refused to update earlier.",
        run_at_start=True,
    ),
    Job(
        id="forget-old-event-ids",
        run=forget_old_event_ids,
        every_seconds=24 * 60 * 60,
        description="Forget the Slack event ids received too long ago to be retried.",
    ),
]
