"""The scheduler: fixed scan jobs with the options that make late and double runs harmless."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk.web.async_client import AsyncWebClient

from bot.context import Deps
from scheduler import build_scheduler
from scheduler.renewals import scan_renewal_nags


async def test_the_renewal_scan_is_registered_with_safe_options_and_runs_at_start(
    deps: Deps,
) -> None:
    deps = replace(deps, settings=replace(deps.settings, timezone=ZoneInfo("Europe/London")))
    before = datetime.now(UTC)
    scheduler = build_scheduler(deps, AsyncWebClient(token="xoxb-standin-token"))
    assert str(scheduler.timezone) == "Europe/London"
    job = scheduler.get_job("renewal-nags")
    assert job is not None
    assert job.func is scan_renewal_nags
    assert job.args[0] is deps
    assert job.coalesce is True
    assert job.max_instances == 1
    assert job.misfire_grace_time >= 3600  # the default (1 s) would silently skip late runs
    assert job.trigger.interval == timedelta(hours=1)
    assert str(job.trigger.timezone) == "Europe/London"
    # A catch-up scan right after start, not an hour later.
    assert before - timedelta(seconds=1) <= job.next_run_time <= datetime.now(UTC)
    assert [j.id for j in scheduler.get_jobs()].count("renewal-nags") == 1
