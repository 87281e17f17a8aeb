"""The scheduler: fixed scan jobs with the options that make late and double runs harmless."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_sdk.web.async_client import AsyncWebClient

from bot.sending.context import Deps
from scheduler import RunningJobs, build_scheduler, stop_scheduler
from scheduler.renewals import post_renewal_nags


async def test_the_renewal_scan_is_registered_with_safe_options_and_runs_at_start(
    deps: Deps,
) -> None:
    deps = replace(deps, settings=replace(deps.settings, timezone=ZoneInfo("Europe/London")))
    before = datetime.now(UTC)
    scheduler = build_scheduler(deps, AsyncWebClient(token="xoxb-standin-token"))
    assert str(scheduler.timezone) == "Europe/London"
    job = scheduler.get_job("post-renewal-nags")
    assert job is not None
    assert job.func is post_renewal_nags  # untracked: built without RunningJobs
    assert job.args[0] is deps
    assert job.coalesce is True
    assert job.max_instances == 1
    assert job.misfire_grace_time >= 3600  # the default (1 s) would silently skip late runs
    assert job.trigger.interval == timedelta(hours=1)
    assert str(job.trigger.timezone) == "Europe/London"
    # A catch-up scan right after start, not an hour later.
    assert before - timedelta(seconds=1) <= job.next_run_time <= datetime.now(UTC)
    assert [j.id for j in scheduler.get_jobs()].count("post-renewal-nags") == 1


async def test_stop_lets_a_scan_in_progress_finish() -> None:
    running, started, finished = RunningJobs(), asyncio.Event(), asyncio.Event()

    async def slow_scan(deps: object, client: object) -> None:
        started.set()
        await asyncio.sleep(0.2)
        finished.set()

    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        running.tracked(slow_scan),  # type: ignore[arg-type]
        "interval",
        hours=1,
        args=(None, None),
        next_run_time=datetime.now(UTC),
    )
    scheduler.start()
    await started.wait()
    assert await stop_scheduler(scheduler, running, grace=10)
    assert finished.is_set()
    assert not scheduler.running


async def test_stop_cancels_a_scan_that_overruns_the_grace_period() -> None:
    running, started = RunningJobs(), asyncio.Event()

    async def stuck_scan(deps: object, client: object) -> None:
        started.set()
        await asyncio.Event().wait()

    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        running.tracked(stuck_scan),  # type: ignore[arg-type]
        "interval",
        hours=1,
        args=(None, None),
        next_run_time=datetime.now(UTC),
    )
    scheduler.start()
    await started.wait()
    assert not await stop_scheduler(scheduler, running, grace=0.1)
