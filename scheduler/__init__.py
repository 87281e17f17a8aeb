"""APScheduler 3.11 set-up: a few fixed scan jobs; correctness comes from the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import Deps
from scheduler.jobs import JOBS


def build_scheduler(deps: Deps, client: AsyncWebClient) -> AsyncIOScheduler:
    """A scheduler with every scan job registered under a fixed id (not yet started)."""
    timezone = deps.settings.timezone
    scheduler = AsyncIOScheduler(timezone=timezone)
    for job in JOBS:
        # The scheduler runs on real time (the injected clock only decides what is due).
        first_run: dict[str, Any] = (
            {"next_run_time": datetime.now(timezone)} if job.run_at_start else {}
        )
        scheduler.add_job(
            job.run,
            trigger="interval",
            seconds=job.every_seconds,
            timezone=timezone,
            id=job.id,
            name=job.description,
            args=(deps, client),
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            # A late run (the process was busy or suspended) should still happen.
            misfire_grace_time=job.every_seconds * 10,
            **first_run,
        )
    return scheduler
