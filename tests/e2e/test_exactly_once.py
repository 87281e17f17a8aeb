"""Every kind of exactly-once message, with Slack refusing permanently: tried at most hourly,
staff told at most once a day, and posted at once by a fresh process when the channel is fixed.

The jobs run as the scheduler runs them, on the real app's client and the stand-in; time is the
injected clock, moved by minutes, then by a day.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import aiohttp
import pytest
from sqlmodel import select

from bot.domain.clock import FixedClock
from bot.runtime import Runtime
from bot.sending.context import Deps
from bot.standin import CHANNEL_ID, SlackStandIn
from models.db import transaction
from models.tables import Application, ApplicationStatus, Decision, ReviewRound
from scheduler.jobs import JOBS
from tests import factories
from tests.conftest import STAFF, STAFF_2, START
from tests.e2e.helpers_review import post_application
from tests.membership_factory import membership

# A member Slack does not know: a direct message to them is refused (`channel_not_found`).
GHOST = "U0GHOST001"
NOTICE = "Slack refused a message"


async def _one_of_each_kind_due(bot: Runtime, standin: SlackStandIn) -> None:
    """At START, due: a new application's post, a round 2 reply, a decision's announcement, a
    renewal nag, and (two days before a deadline) a vote reminder DM and a quorum warning."""
    deps = bot.deps
    await post_application(deps, standin, at=START - timedelta(days=12))  # deadline in 2 days
    round_2, _ = await post_application(deps, standin, council_name="Leeds", code="E08000035")
    decided, _ = await post_application(deps, standin, council_name="York", code="E06000014")
    async with transaction(deps.sessions) as session:
        application = await session.get(Application, round_2)
        assert application is not None
        application.current_round = 2
        session.add(application)
        session.add(ReviewRound(application_id=round_2, number=2, opened_at=START))
        application = await session.get(Application, decided)
        assert application is not None
        application.status = ApplicationStatus.FURTHER_WORK
        session.add(application)
        rounds = await session.exec(
            select(ReviewRound).where(ReviewRound.application_id == decided)
        )
        for review_round in rounds.all():
            review_round.closed_at = START
            session.add(review_round)
        session.add(
            Decision(
                application_id=decided,
                round=1,
                outcome="further_work",
                rationale="Please send the endorsement.",
                decided_by=STAFF,
                decided_at=START,
            )
        )
        council = await factories.council(session, at=START, name="Hull", code="E06000010")
        await factories.application(session, at=START, council_row=council, posted=False)
        await membership(
            session, ends_on=START.date() + timedelta(days=90), at=START, code="E06000001"
        )
        await factories.member(session, GHOST, "lived", at=START)


async def _run_every_job(deps: Deps, bot: Runtime) -> None:
    for job in JOBS:
        await job.run(deps, bot.client)


def _tries(standin: SlackStandIn) -> Counter[str]:
    """chat.postMessage calls to the channel (posts and replies) and to the ghost."""
    where = {CHANNEL_ID: "channel", GHOST: "dm"}
    return Counter(
        where[c.args["channel"]]
        for c in standin.calls("chat.postMessage")
        if c.args["channel"] in where
    )


def _notices(standin: SlackStandIn, staff: str) -> list[str]:
    return [m.text for m in standin.messages(standin.dm_channel_id(staff)) if NOTICE in m.text]


async def test_permanent_refusals_are_retried_hourly_staff_told_daily_and_a_fresh_process_posts(
    bot: Runtime, standin: SlackStandIn, clock: FixedClock
) -> None:
    await _one_of_each_kind_due(bot, standin)
    standin.set_bot_member(CHANNEL_ID, False)
    set_up = _tries(standin)
    already_posted = len(standin.messages())

    def tries() -> Counter[str]:
        return _tries(standin) - set_up

    await _run_every_job(bot.deps, bot)
    # Six messages are due: posts of an application and a renewal nag, replies of a new round,
    # a decision and a quorum warning to the channel, and a vote reminder DM. Once the channel
    # has refused, the others for it are held back without asking Slack: one try each place.
    first = {"channel": 1, "dm": 1}
    assert tries() == first
    assert len(standin.messages()) == already_posted
    for staff in (STAFF, STAFF_2):
        [notice] = _notices(standin, staff)
        assert "/invite @Sanctuary Network" in notice

    for _ in range(59):  # the scheduler's minutes pass: nothing is tried again, no one told again
        clock.advance(timedelta(minutes=1))
        await _run_every_job(bot.deps, bot)
    assert tries() == first
    assert [len(_notices(standin, s)) for s in (STAFF, STAFF_2)] == [1, 1]

    clock.advance(timedelta(minutes=1))  # an hour on: tried again, still refused, told already
    await _run_every_job(bot.deps, bot)
    assert tries() == {"channel": 2, "dm": 2}
    assert [len(_notices(standin, s)) for s in (STAFF, STAFF_2)] == [1, 1]

    clock.advance(timedelta(days=1))  # the next day: tried again, and staff told once more
    await _run_every_job(bot.deps, bot)
    clock.advance(timedelta(hours=1))
    await _run_every_job(bot.deps, bot)
    assert tries() == {"channel": 4, "dm": 4}
    assert [len(_notices(standin, s)) for s in (STAFF, STAFF_2)] == [2, 2]

    # Someone invites the bot (and the member joins Slack). The running bot waits out its hour;
    # a new process (a restart, or `sanctuary-bot scan all`) posts everything at once.
    standin.set_bot_member(CHANNEL_ID, True)
    standin.add_user(GHOST, "Ghost")
    before = tries()
    await _run_every_job(bot.deps, bot)
    assert tries() == before
    fresh = Deps(settings=bot.deps.settings, sessions=bot.deps.sessions, clock=clock)
    calls_before = len(standin.calls("chat.postMessage"))
    await _run_every_job(fresh, bot)
    accepted = [
        (c.args["channel"], str(c.args["text"]))
        for c in standin.calls("chat.postMessage")[calls_before:]
        if c.ok and c.args["channel"] in (CHANNEL_ID, GHOST)
    ]
    assert len(accepted) == 6
    texts = [text for _, text in accepted]
    assert sum(t.startswith("Round 2 opened") for t in texts) == 1
    assert sum(t.startswith("*Decision on York") for t in texts) == 1
    assert sum("quorum is not met yet" in t for t in texts) == 1
    assert sum(t.startswith("Renewal reminder") for t in texts) == 1
    assert sum(t.startswith("Reminder: the working group") for t in texts) == 1
    assert sum("Hull" in t for t in texts) == 1
    assert [channel for channel, _ in accepted].count(GHOST) == 1

    # Exactly once: neither process sends any of them again, however often the jobs run.
    sent = len(standin.calls("chat.postMessage"))
    clock.advance(timedelta(hours=2))
    for deps in (bot.deps, fresh, bot.deps):
        await _run_every_job(deps, bot)
    assert len(standin.calls("chat.postMessage")) == sent


async def test_healthz_reports_a_refused_token_logged_once_and_recovers(
    bot: Runtime, standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    async with transaction(bot.deps.sessions) as session:
        await factories.application(session, at=START, posted=False)
    post_pending = next(j.run for j in JOBS if j.id == "post-pending-applications")
    standin.fail_next("chat.postMessage", error="invalid_auth", times=3)
    for _ in range(3):
        await post_pending(bot.deps, bot.client)
    async with aiohttp.ClientSession() as http, http.get(f"{bot.url}/healthz") as response:
        assert response.status == 503
        assert await response.json() == {"ok": False, "slack": "invalid_auth"}
    refused = [r for r in caplog.records if "refuses the bot's token" in r.getMessage()]
    assert len(refused) == 1

    await post_pending(bot.deps, bot.client)  # Slack takes the token again
    async with aiohttp.ClientSession() as http, http.get(f"{bot.url}/healthz") as response:
        assert response.status == 200
