"""APScheduler 3.11 set-up: a few fixed scan jobs; correctness comes from the database."""

from __future__ import annotations

import asyncio
import functools
from datetime import datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_sdk.web.async_client import AsyncWebClient

from bot.sending.context import Deps
from scheduler.jobs import JOBS, JobFunction

# How long shutdown waits for a scan in progress before cancelling it.
STOP_GRACE_SECONDS = 10.0


class RunningJobs:
    """Job runs in progress, so that shutdown lets them finish instead of cutting a database
    transaction or a Slack call in half."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def tracked(self, run: JobFunction) -> JobFunction:
        @functools.wraps(run)
        async def tracked_run(deps: Deps, client: AsyncWebClient) -> object:
            task = asyncio.current_task()
            if task is not None:
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            return await run(deps, client)

        return tracked_run

    async def drain(self, grace: float) -> bool:
        """Wait at most `grace` seconds for the runs in progress; True if all finished."""
        if not self._tasks:
            return True
        _, still_running = await asyncio.wait(set(self._tasks), timeout=grace)
        return not still_running


def build_scheduler(
    deps: Deps, client: AsyncWebClient, running: RunningJobs | None = None
) -> AsyncIOScheduler:
    """A scheduler with every scan job registered under a fixed id (not yet started).

    With `running`, each run registers itself there, so `stop_scheduler` can wait for it.
    """
    timezone = deps.settings.timezone
    scheduler = AsyncIOScheduler(timezone=timezone)
    for job in JOBS:
        # The scheduler runs on real time (the injected clock only decides what is due).
        first_run: dict[str, Any] = (
            {"next_run_time": datetime.now(timezone)} if job.run_at_start else {}
        )
        scheduler.add_job(
            running.tracked(job.run) if running is not None else job.run,
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


async def stop_scheduler(
    scheduler: AsyncIOScheduler, running: RunningJobs, grace: float = STOP_GRACE_SECONDS
) -> bool:
    """Start no new runs, let those in progress finish (up to `grace` seconds), then shut down.

    Returns False if a run had to be cancelled (the ledger makes that safe to retry).
    """
    if not scheduler.running:
        return True
    scheduler.pause()
    finished = await running.drain(grace)
    scheduler.shutdown(wait=False)
    await asyncio.sleep(0)  # AsyncIOScheduler carries out shutdown on the loop's next turn
    return finished
