"""The scan jobs. Each is a plain function of (deps, client) that may run twice safely.

Jobs call services and builders; they never import `handlers`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from bot.context import Deps
from scheduler.personal_data import erase_lapsed_contacts_job

JobFunction = Callable[[Deps, AsyncWebClient], Awaitable[object]]


@dataclass(frozen=True)
class Job:
    id: str
    run: JobFunction
    every_seconds: int
    description: str


JOBS: list[Job] = [
    Job(
        id="erase-lapsed-contacts",
        run=erase_lapsed_contacts_job,
        every_seconds=24 * 60 * 60,
        description="erase contact details kept longer than the retention period",
    ),
]
