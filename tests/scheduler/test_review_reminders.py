"""Vote reminders and quorum warnings: due times, once each, catch-up, who is left out."""

from __future__ import annotations

from datetime import timedelta

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import select

from bot.sending.context import Deps
from bot.services.roster import remove_member
from bot.services.voting import declare_conflict, record_vote
from bot.standin import BOT_TOKEN, CHANNEL_ID, SlackStandIn
from models.db import transaction
from models.tables import AuditEntry, VoteChoice
from scheduler.jobs import JOBS
from scheduler.review import send_review_reminders
from tests.conftest import START
from tests.e2e.helpers_review import add_roster, post_application

ROSTER = {
    "U0LIVED001": ("Amira", "lived"),
    "U0CLLR0001": ("Cllr Patel", "councillor"),
    "U0GROUP001": ("Ruth", "group"),
    "U0TRUST001": ("Helen", "trustee"),
    "U0GONE0001": ("Former member", "officer"),
}
DEADLINE = START + timedelta(days=14)


async def _scene(deps: Deps, standin: SlackStandIn) -> tuple[int, str, AsyncWebClient]:
    await add_roster(deps, standin, ROSTER)
    app_id, ts = await post_application(deps, standin)
    now = deps.clock.now()
    async with transaction(deps.sessions) as session:
        await record_vote(
            session,
            application_id=app_id,
            round=1,
            voter="U0GROUP001",
            choice=VoteChoice.APPROVE,
            now=now,
        )
        await declare_conflict(
            session,
            application_id=app_id,
            member_user_id="U0TRUST001",
            reason="Works there",
            now=now,
        )
        await remove_member(
            session, user_id="U0GONE0001", actor="U0STAFF001", staff={"U0STAFF001"}, now=now
        )
    return app_id, ts, AsyncWebClient(token=BOT_TOKEN, base_url=standin.api_url)


def _dms(standin: SlackStandIn) -> list[tuple[str, str]]:
    return [
        (str(c.args["channel"]), str(c.args["text"]))
        for c in standin.calls("chat.postMessage")
        if str(c.args["channel"]).startswith("U")
    ]


def test_the_job_is_registered_every_15_minutes() -> None:
    job = next(j for j in JOBS if j.id == "send-review-reminders")
    assert job.every_seconds == 15 * 60


async def test_reminders_go_once_to_those_who_have_not_voted(
    deps: Deps, standin: SlackStandIn
) -> None:
    app_id, ts, client = await _scene(deps, standin)

    report = await send_review_reminders(deps, client, now=DEADLINE - timedelta(days=3, hours=1))
    assert report.vote_reminders == [] and report.quorum_warnings == []

    at_3_days = DEADLINE - timedelta(days=3)
    report = await send_review_reminders(deps, client, now=at_3_days)
    assert sorted(report.vote_reminders) == [(app_id, "U0CLLR0001", 3), (app_id, "U0LIVED001", 3)]
    dms = _dms(standin)
    assert sorted(user for user, _ in dms) == ["U0CLLR0001", "U0LIVED001"]
    assert "Sheffield City Council" in dms[0][1] and "16 March 2026" in dms[0][1]
    # Every later scan before the next offset sends nothing more.
    for minutes in (0, 15, 30):
        again = await send_review_reminders(
            deps, client, now=at_3_days + timedelta(minutes=minutes)
        )
        assert again.vote_reminders == []
    assert len(_dms(standin)) == 2

    # Two days before, quorum is still missing: the channel is told which constituencies.
    report = await send_review_reminders(deps, client, now=DEADLINE - timedelta(days=2))
    assert report.quorum_warnings == [(app_id, 2)]
    warning = standin.thread(CHANNEL_ID, ts)[-1]
    assert warning.reply_broadcast
    assert "No vote yet from: lived experience of seeking sanctuary, councillors" in warning.text
    assert "3 more votes" in warning.text
    again = await send_review_reminders(deps, client, now=DEADLINE - timedelta(days=2))
    assert again.quorum_warnings == []

    # One day before: the last reminder; Cllr Patel voted meanwhile.
    async with transaction(deps.sessions) as session:
        await record_vote(
            session,
            application_id=app_id,
            round=1,
            voter="U0CLLR0001",
            choice=VoteChoice.DECLINE,
            now=DEADLINE - timedelta(days=1, hours=2),
        )
    report = await send_review_reminders(deps, client, now=DEADLINE - timedelta(hours=20))
    assert report.vote_reminders == [(app_id, "U0LIVED001", 1)]
    # After the deadline nothing is sent.
    late = await send_review_reminders(deps, client, now=DEADLINE + timedelta(minutes=1))
    assert late.vote_reminders == [] and late.quorum_warnings == []

    async with deps.sessions() as session:
        actions = (await session.exec(select(AuditEntry.action))).all()
    assert actions.count("reminder.vote_sent") == 3
    assert actions.count("reminder.quorum_warning_sent") == 1


async def test_a_late_scan_sends_only_the_most_urgent(deps: Deps, standin: SlackStandIn) -> None:
    """The bot was down from four days before the deadline until 12 hours before."""
    app_id, _, client = await _scene(deps, standin)
    report = await send_review_reminders(deps, client, now=DEADLINE - timedelta(hours=12))
    assert sorted(report.vote_reminders) == [(app_id, "U0CLLR0001", 1), (app_id, "U0LIVED001", 1)]
    assert report.quorum_warnings == [(app_id, 2)]
    assert len(_dms(standin)) == 2


async def test_no_quorum_warning_when_quorum_is_met(deps: Deps, standin: SlackStandIn) -> None:
    app_id, ts, client = await _scene(deps, standin)
    more = {"U0LIVED002": ("Yonas", "lived"), "U0OFFCR001": ("Gareth", "officer")}
    await add_roster(deps, standin, more)
    async with transaction(deps.sessions) as session:
        for user in ("U0LIVED001", "U0LIVED002", "U0OFFCR001"):
            await record_vote(
                session,
                application_id=app_id,
                round=1,
                voter=user,
                choice=VoteChoice.APPROVE,
                now=deps.clock.now(),
            )
    report = await send_review_reminders(deps, client, now=DEADLINE - timedelta(days=2))
    assert report.quorum_warnings == []
    assert standin.thread(CHANNEL_ID, ts) == []
