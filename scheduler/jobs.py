"""The scan jobs. Each is a plain function of (deps, client) that may run twice safely.

Jobs call services and builders; they never import `handlers`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from bot.context import Deps
from scheduler.review import run_review_reminders

JobFunction = Callable[[Deps, AsyncWebClient], Awaitable[object]]


@dataclass(frozen=True)
class Job:
    id: str
    run: JobFunction
    every_seconds: int
    description: str


JOBS: list[Job] = []

JOBS.append(
    Job(
        id="review-reminders",
        run=run_review_reminders,
        every_seconds=15 * 60,
        description="vote reminders and quorum warnings before review deadlines",
    )
)
