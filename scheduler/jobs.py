"""The scan jobs. Each is a plain function of (deps, client) that may run twice safely.

Jobs call services and builders; they never import `handlers`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from bot.sending.context import Deps
from scheduler.housekeeping import housekeeping_job
from scheduler.personal_data import erase_lapsed_contacts_job
from scheduler.posting import post_pending_applications
from scheduler.renewals import scan_renewal_nags
from scheduler.review import run_review_reminders

JobFunction = Callable[[Deps, AsyncWebClient], Awaitable[object]]


@dataclass(frozen=True)
class Job:
    id: str
    run: JobFunction
    every_seconds: int
    description: str
    # Also run once right after start: catches up on what fell due while the bot was down.
    run_at_start: bool = False


JOBS: list[Job] = [
    Job(
        id="post-pending-applications",
        run=post_pending_applications,
        every_seconds=60,
        description="Post applications (and new rounds) that Slack refused earlier",
    ),
    Job(
        id="renewal-nags",
        run=scan_renewal_nags,
        every_seconds=3600,
        description="Post the renewal nags that are due (90, 30, 7 days and on the last day)",
        run_at_start=True,
    ),
    Job(
        id="erase-lapsed-contacts",
        run=erase_lapsed_contacts_job,
        every_seconds=24 * 60 * 60,
        description="erase contact details kept longer than the retention period",
    ),
    Job(
        id="review-reminders",
        run=run_review_reminders,
        every_seconds=15 * 60,
        description="vote reminders and quorum warnings before review deadlines",
    ),
    Job(
        id="housekeeping",
        run=housekeeping_job,
        every_seconds=24 * 60 * 60,
        description="forget Slack event ids long past any retry",
    ),
]
