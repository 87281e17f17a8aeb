"""Renewal nags: each posted exactly once per term, whatever happens between scans."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, select

from bot.app import make_client
from bot.sending.context import Deps
from bot.services import ledger
from bot.services.renewals import NAG_KIND
from bot.standin import CHANNEL_ID, SlackStandIn, render_blocks_as_text
from models.db import make_engine, make_session_factory, transaction
from models.tables import AuditEntry, LedgerState, Membership, ReminderLedger
from scheduler.renewals import post_due_renewal_nags, post_renewal_nags
from tests.conftest import STAFF, START
from tests.membership_factory import seed

END = date(2026, 6, 30)


def days_before_end(days: int, end: date = END) -> datetime:
    """10:00 UTC (11:00 in London) `days` before the term's last day."""
    return datetime.combine(end - timedelta(days=days), time(10, 0), tzinfo=UTC)


@pytest.fixture
async def client(deps: Deps, standin: SlackStandIn) -> AsyncIterator[AsyncWebClient]:
    yield make_client(replace(deps, settings=replace(deps.settings, slack_api_url=standin.api_url)))


def nags(standin: SlackStandIn) -> list[str]:
    return [
        render_blocks_as_text(m.text, m.blocks, users=standin.user_names())
        for m in standin.messages()
    ]


def channel_posts(standin: SlackStandIn) -> list[object]:
    """Every chat.postMessage to the working-group channel, accepted or not."""
    return [c for c in standin.calls("chat.postMessage") if c.args["channel"] == CHANNEL_ID]


def button_values(standin: SlackStandIn) -> list[str]:
    values = []
    for message in standin.messages():
        for block in message.blocks or []:
            for element in block.get("elements", []):
                if element.get("action_id") == "open_renewal":
                    values.append(element["value"])
    return values


async def ledger_rows(deps: Deps) -> list[tuple[int, int, str]]:
    async with deps.sessions() as session:
        rows = await session.exec(
            select(ReminderLedger).where(col(ReminderLedger.kind) == NAG_KIND)
        )
        return sorted((r.subject_id, r.offset_days, r.state) for r in rows.all())


async def audit_actions(deps: Deps) -> list[tuple[str, dict[str, object]]]:
    async with deps.sessions() as session:
        rows = await session.exec(
            select(AuditEntry)
            .where(col(AuditEntry.action).startswith("renewal."))
            .order_by(col(AuditEntry.id))
        )
        return [(r.action, json.loads(r.detail)) for r in rows.all()]


@pytest.mark.parametrize(
    ("offset", "wording"),
    [(90, "ends in 90 days"), (30, "ends in 30 days"), (7, "ends in 7 days"), (0, "ends today")],
)
async def test_each_offset_posts_exactly_one_nag_naming_council_and_staff(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn, offset: int, wording: str
) -> None:
    term = await seed(deps.sessions, ends_on=END, at=START)
    now = days_before_end(offset)
    first = await post_renewal_nags(deps, client, now=now)
    again = await post_renewal_nags(deps, client, now=now + timedelta(hours=1))

    assert [n.offset_days for n in first.sent] == [offset]
    assert again.sent == []
    [text] = nags(standin)
    assert "Sheffield City Council" in text
    assert wording in text
    assert "@Alex Staff, you registered its application" in text  # a real mention
    assert f"<@{STAFF}>" in standin.messages()[0].blocks[0]["text"]["text"]  # type: ignore[index]
    assert button_values(standin) == [str(term.id)]
    assert (term.id, offset, LedgerState.SENT) in await ledger_rows(deps)
    sent = [d for a, d in await audit_actions(deps) if a == "renewal.nag_sent"]
    assert [(d["membership_id"], d["offset_days"]) for d in sent] == [(term.id, offset)]


async def test_a_term_gets_its_four_nags_on_their_days_and_nothing_between(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn
) -> None:
    await seed(deps.sessions, ends_on=END, at=START)
    posted_on = []
    for days in range(120, -20, -1):  # an hourly scheduler, seen once a day
        report = await post_renewal_nags(deps, client, now=days_before_end(days))
        posted_on += [days for _ in report.sent]
    assert posted_on == [90, 30, 7, 0]
    nags = [m for m in standin.messages() if m.text.startswith("Renewal reminder")]
    assert len(nags) == 4
    assert not [a for a, _ in await audit_actions(deps) if a == "renewal.nag_skipped"]
    # The same scan caught up on the term's 24-month check-in (due long before the first run).
    others = [m.text for m in standin.messages() if m not in nags]
    assert len(others) == 1 and others[0].startswith("Check-in.") and "24 months" in others[0]


async def test_a_restart_with_a_fresh_engine_sends_nothing_new(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn, database_url: str
) -> None:
    await seed(deps.sessions, ends_on=END, at=START)
    await post_renewal_nags(deps, client, now=days_before_end(30))
    engine = make_engine(database_url)
    try:
        restarted = replace(deps, sessions=make_session_factory(engine))
        report = await post_renewal_nags(restarted, client, now=days_before_end(29))
    finally:
        await engine.dispose()
    assert report.sent == []
    assert len(standin.messages()) == 1


async def test_a_claim_never_marked_sent_is_posted_once_after_the_lease(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn
) -> None:
    term = await seed(deps.sessions, ends_on=END, at=START)
    crashed_at = days_before_end(90)
    # Another process claimed the nag, then died before posting it.
    assert term.id is not None
    assert await ledger.claim(
        deps.sessions, ledger.Key(NAG_KIND, subject_id=term.id, offset_days=90), now=crashed_at
    )

    within_lease = await post_renewal_nags(deps, client, now=crashed_at + timedelta(minutes=5))
    assert within_lease.sent == []
    assert standin.messages() == []

    after_lease = await post_renewal_nags(deps, client, now=crashed_at + timedelta(minutes=11))
    later = await post_renewal_nags(deps, client, now=crashed_at + timedelta(hours=2))
    assert [n.offset_days for n in after_lease.sent] == [90]
    assert later.sent == []
    assert len(standin.messages()) == 1


async def test_after_downtime_only_the_most_urgent_nag_is_posted_and_the_rest_recorded(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn
) -> None:
    term = await seed(deps.sessions, ends_on=END, at=START)
    # The bot was down from before the 90-day nag until 20 days before the end.
    report = await post_renewal_nags(deps, client, now=days_before_end(20))
    assert [n.offset_days for n in report.sent] == [30]
    assert [n.offset_days for n in report.skipped] == [90]
    [text] = nags(standin)
    assert "ends in 20 days" in text  # true on the day it is posted

    await post_renewal_nags(deps, client, now=days_before_end(19))
    week = await post_renewal_nags(deps, client, now=days_before_end(7))
    assert [n.offset_days for n in week.sent] == [7]
    assert len(standin.messages()) == 2
    assert await ledger_rows(deps) == [
        (term.id, 7, LedgerState.SENT),
        (term.id, 30, LedgerState.SENT),
        (term.id, 90, LedgerState.SKIPPED),
    ]
    skipped = [d for a, d in await audit_actions(deps) if a == "renewal.nag_skipped"]
    assert [(d["offset_days"], d["superseded_by"]) for d in skipped] == [(90, 30)]


async def test_a_term_that_lapsed_while_the_bot_was_down_gets_only_its_last_nag(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn
) -> None:
    await seed(deps.sessions, ends_on=END, at=START)
    report = await post_renewal_nags(deps, client, now=days_before_end(-3))
    assert [n.offset_days for n in report.sent] == [0]
    assert sorted(n.offset_days for n in report.skipped) == [7, 30, 90]
    [text] = nags(standin)
    assert "has lapsed" in text and "3 days ago" in text
    await post_renewal_nags(deps, client, now=days_before_end(-4))
    assert len(standin.messages()) == 1


async def test_a_term_that_ended_long_ago_is_not_nagged(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn
) -> None:
    await seed(deps.sessions, ends_on=END, at=START)
    report = await post_renewal_nags(deps, client, now=days_before_end(-30))
    assert report.sent == [] and report.skipped == []
    assert standin.messages() == []


async def test_an_approved_renewal_cancels_the_nags_still_to_come(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn
) -> None:
    term = await seed(deps.sessions, ends_on=END, at=START)
    await post_renewal_nags(deps, client, now=days_before_end(90))
    async with transaction(deps.sessions) as session:
        renewal = Membership(
            council_id=term.council_id,
            starts_on=END + timedelta(days=1),
            ends_on=END.replace(year=END.year + 3),
            created_at=days_before_end(40),
        )
        session.add(renewal)
        await session.flush()
        old = await session.get(Membership, term.id)
        assert old is not None
        old.renewed_by_id = renewal.id
        session.add(old)
    for days in (30, 7, 0, -1):
        assert (await post_renewal_nags(deps, client, now=days_before_end(days))).sent == []
    assert len(standin.messages()) == 1


async def test_a_permanent_refusal_is_retried_hourly_not_every_scan(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    await seed(deps.sessions, ends_on=END, at=START)
    standin.fail_next("chat.postMessage", error="not_in_channel")
    refused_at = days_before_end(30)
    failed = await post_renewal_nags(deps, client, now=refused_at)
    assert failed.sent == []
    [detail] = [n.detail for n in failed.failed]
    assert detail.startswith("not posted: Slack said `not_in_channel`")
    assert "/invite @Sanctuary Network" in detail  # what to do about it
    assert "not_in_channel" in caplog.text
    assert standin.messages() == []
    assert [r for r in await ledger_rows(deps) if r[1] == 30] == []  # released

    # Within the hour the channel is left alone: no call to Slack, the report says why.
    for minutes in (1, 15, 59):
        held = await post_renewal_nags(deps, client, now=refused_at + timedelta(minutes=minutes))
        assert held.sent == []
        assert "held back" in held.failed[0].detail
    assert len(channel_posts(standin)) == 1
    retried = await post_renewal_nags(deps, client, now=refused_at + timedelta(hours=1))
    assert [n.offset_days for n in retried.sent] == [30]
    assert len(standin.messages()) == 1


async def test_an_imported_membership_names_no_one_but_asks_for_someone(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn
) -> None:
    await seed(deps.sessions, ends_on=END, at=START, registered_by=None)
    await post_renewal_nags(deps, client, now=days_before_end(90))
    [text] = nags(standin)
    assert "No member of staff is on record" in text
    assert "<@" not in standin.messages()[0].text


async def test_a_council_name_cannot_ping_the_channel(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn
) -> None:
    await seed(deps.sessions, ends_on=END, at=START, name="Evil <!channel> Council")
    await post_renewal_nags(deps, client, now=days_before_end(90))
    message = standin.messages()[0]
    assert "<!channel>" not in json.dumps([message.text, message.blocks])
    assert "Evil <!channel> Council" in nags(standin)[0]  # shown as typed


async def test_concurrent_scans_post_each_nag_once(
    deps: Deps, client: AsyncWebClient, standin: SlackStandIn
) -> None:
    terms = [
        await seed(deps.sessions, ends_on=END + timedelta(days=i), at=START, code=f"E0800002{i}")
        for i in range(3)
    ]
    now = days_before_end(0, END + timedelta(days=2))  # due: 2, 1 and 0 days before the ends
    # Without the advisory lock, so that only the ledger stands between them.
    reports = await asyncio.gather(
        *(post_due_renewal_nags(deps, client, now=now) for _ in range(4)),
        *(post_renewal_nags(deps, client, now=now) for _ in range(2)),
    )
    assert sum(len(r.sent) for r in reports) == 3
    assert sorted(button_values(standin)) == sorted(str(t.id) for t in terms)
