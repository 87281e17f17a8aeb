"""Check-ins between reviews (issue 13, item 6), end to end with the injected clock.

12 and 24 months into a term one channel message per member council invites staff to log its
progress; each goes exactly once per term, caught up after downtime as the renewal nags are;
only staff may log progress; it shows in the history, on Home for staff and on the renewal post.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import select

from bot.domain import ids
from bot.domain.clock import FixedClock
from bot.domain.config import Settings
from bot.domain.terms import months_later
from bot.runtime import Runtime, start_http
from bot.services import ledger
from bot.standin import SignedSlackClient, SlackStandIn, render_blocks_as_text
from models.db import transaction
from models.tables import AuditEntry, CheckIn, LedgerState, ReminderLedger
from scheduler.renewals import post_renewal_nags
from tests.conftest import OUTSIDER, STAFF, STAFF_2, START
from tests.e2e.helpers_review import add_roster, post_text
from tests.membership_factory import seed

TODAY = START.date()
MEMBER = "U0LIVED001"


def at_nine(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=UTC)


def check_ins(standin: SlackStandIn) -> list[Any]:
    return [m for m in standin.messages() if m.text.startswith("Check-in.")]


async def scan(bot: Runtime, clock: FixedClock, day: date) -> None:
    clock.set(at_nine(day))
    await post_renewal_nags(bot.deps, bot.client)


async def test_a_term_gets_a_check_in_12_and_24_months_in_each_exactly_once(
    bot: Runtime, standin: SlackStandIn, clock: FixedClock
) -> None:
    term = await seed(bot.deps.sessions, ends_on=date(2029, 3, 2), at=START)  # from 2 Mar 2026
    assert term.starts_on == TODAY
    twelve, twenty_four = months_later(TODAY, 12), months_later(TODAY, 24)

    for day in (TODAY, date(2027, 3, 1)):
        await scan(bot, clock, day)
    assert check_ins(standin) == []
    for _ in range(3):  # an hourly scan, and a restart: still one message
        await scan(bot, clock, twelve)
    await scan(bot, clock, date(2027, 3, 3))
    [first] = check_ins(standin)
    shown = render_blocks_as_text(first.text, first.blocks)
    assert "*Sheffield City Council*: 12 months into its membership" in shown
    assert "(since 2 March 2026, until 2 March 2029)" in shown
    assert "Log progress" in shown

    await scan(bot, clock, date(2028, 3, 1))
    assert len(check_ins(standin)) == 1
    await scan(bot, clock, twenty_four)
    await scan(bot, clock, twenty_four)
    assert [m.text.split(":")[1].split(" into")[0] for m in check_ins(standin)] == [
        " 12 months",
        " 24 months",
    ]
    # Nothing more in the term, whatever the scans.
    for day in (date(2028, 9, 1), date(2029, 1, 1), date(2029, 3, 2)):
        await scan(bot, clock, day)
    assert len(check_ins(standin)) == 2
    async with bot.deps.sessions() as session:
        sent = (
            await session.exec(
                select(ReminderLedger.offset_days, ReminderLedger.state).where(
                    ReminderLedger.kind == "check_in"
                )
            )
        ).all()
    assert sorted(sent) == [(12, "sent"), (24, "sent")]


async def test_a_check_in_slack_took_just_before_a_crash_is_not_posted_again_after_a_restart(
    bot: Runtime, standin: SlackStandIn, clock: FixedClock, settings: Settings
) -> None:
    """The process died after Slack took the check-in but before the ledger said so; the next
    process, once the claim's lease has run out, finds it in Slack instead of posting it again."""
    await seed(bot.deps.sessions, ends_on=date(2029, 3, 2), at=START)
    twelve = months_later(TODAY, 12)
    await scan(bot, clock, twelve)
    [posted] = check_ins(standin)
    async with transaction(bot.deps.sessions) as session:  # as the crash left the database
        [row] = (
            await session.exec(select(ReminderLedger).where(ReminderLedger.kind == "check_in"))
        ).all()
        assert row.first_attempt_at is not None
        row.state, row.sent_at = LedgerState.CLAIMED, None
        session.add(row)
        [entry] = (
            await session.exec(select(AuditEntry).where(AuditEntry.action == "check_in.sent"))
        ).all()
        await session.delete(entry)  # written with the mark, in one transaction
    await bot.stop()
    clock.set(at_nine(twelve) + ledger.DEFAULT_LEASE + timedelta(minutes=1))
    restarted = await start_http(
        replace(settings, slack_api_url=standin.api_url),
        clock=clock,
        host="127.0.0.1",
        port=0,
        with_scheduler=False,
    )
    try:
        for _ in range(2):
            await post_renewal_nags(restarted.deps, restarted.client)
    finally:
        await restarted.stop()
    assert [m.ts for m in check_ins(standin)] == [posted.ts]
    async with bot.deps.sessions() as session:
        states = (
            await session.exec(
                select(ReminderLedger.state).where(ReminderLedger.kind == "check_in")
            )
        ).all()
        audited = (
            await session.exec(select(AuditEntry).where(AuditEntry.action == "check_in.sent"))
        ).all()
    assert states == [LedgerState.SENT]
    assert len(audited) == 1


async def test_after_downtime_only_the_latest_check_in_goes_and_the_other_is_skipped(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn, clock: FixedClock
) -> None:
    await seed(bot.deps.sessions, ends_on=date(2029, 3, 2), at=START)
    # The bot was down from before the 12-month check-in until after the 24-month one.
    await scan(bot, clock, date(2028, 4, 10))
    await scan(bot, clock, date(2028, 4, 11))
    [message] = check_ins(standin)
    assert "24 months into its membership" in message.text

    await slack.slash_command(STAFF, "history sheffield")
    await standin.wait_until(lambda: bool(standin.responses()))
    timeline = standin.responses()[-1].body
    text = render_blocks_as_text(timeline["text"], timeline.get("blocks"))
    assert "A check-in was skipped (a later one went)" in text
    assert "Check-in posted (24 months into the term): staff invited to log progress" in text


async def test_no_check_in_once_the_renewal_nags_have_begun(
    bot: Runtime, standin: SlackStandIn, clock: FixedClock
) -> None:
    """A term found 2 years 10 months in (an import, or long downtime) gets its nags only."""
    await seed(bot.deps.sessions, ends_on=date(2026, 5, 31), at=START, registered_by=None)
    await scan(bot, clock, TODAY)
    assert check_ins(standin) == []
    assert any(m.text.startswith("Renewal reminder") for m in standin.messages())


async def _log_form(
    slack: SignedSlackClient, standin: SlackStandIn, user: str, message: Any
) -> dict[str, Any] | None:
    """Press "Log progress" as `user`: the form, or None (then they were told why not)."""
    told = len(standin.responses()) + len(standin.ephemerals(user))
    opened = len(standin.calls("views.open"))
    await slack.block_action(user, ids.LOG_PROGRESS, message_ts=message.ts)
    await standin.wait_until(
        lambda: (
            len(standin.calls("views.open")) > opened
            or len(standin.responses()) + len(standin.ephemerals(user)) > told
        )
    )
    return standin.last_view(user) if len(standin.calls("views.open")) > opened else None


async def test_only_staff_log_progress_and_it_shows_in_history_and_on_home(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn, clock: FixedClock
) -> None:
    await add_roster(bot.deps, standin)
    await seed(bot.deps.sessions, ends_on=date(2029, 3, 2), at=START)
    await scan(bot, clock, months_later(TODAY, 12))
    [message] = check_ins(standin)

    for user in (MEMBER, OUTSIDER):
        assert await _log_form(slack, standin, user, message) is None
        said = [r.body.get("text", "") for r in standin.responses()]
        assert "logging a council's progress is for City of Sanctuary UK staff" in said[-1]

    form = await _log_form(slack, standin, STAFF, message)
    assert form is not None and form["callback_id"] == ids.CHECK_IN_VIEW
    bad = {ids.CHECK_IN_WHAT_BLOCK: "", ids.CHECK_IN_URL_BLOCK: "www.example.org/x y"}
    await slack.view_submission(STAFF, form, slack.fill_view_state(form, bad))
    errors = standin.view_errors(form["id"]) or {}
    assert "Say what the council did" in errors[ids.CHECK_IN_WHAT_BLOCK]
    assert "full web address" in errors[ids.CHECK_IN_URL_BLOCK]
    # The link follows the registration form's rule (bot/domain/links.py).
    private = {
        ids.CHECK_IN_WHAT_BLOCK: "Trained staff.",
        ids.CHECK_IN_URL_BLOCK: "http://10.0.0.5/x",
    }
    await slack.view_submission(STAFF, form, slack.fill_view_state(form, private))
    errors = standin.view_errors(form["id"]) or {}
    assert list(errors) == [ids.CHECK_IN_URL_BLOCK]
    assert "not a numeric (IP) address" in errors[ids.CHECK_IN_URL_BLOCK]

    good = {
        ids.CHECK_IN_WHAT_BLOCK: "Opened a <!here> welcome hub & trained 40 front-line staff.",
        ids.CHECK_IN_URL_BLOCK: "https://www.sheffield.gov.uk/news/welcome-hub",
    }
    # The form opened by staff, submitted by someone else, changes nothing.
    reply = await slack.view_submission(MEMBER, form, slack.fill_view_state(form, good))
    assert isinstance(reply.json, dict) and "for City of Sanctuary UK staff" in str(reply.json)
    async with bot.deps.sessions() as session:
        assert (await session.exec(select(CheckIn))).all() == []

    await slack.view_submission(STAFF, form, slack.fill_view_state(form, good))
    await standin.wait_until(
        lambda: any("Logged the progress" in e.text for e in standin.ephemerals(STAFF))
    )
    for staff in (STAFF, STAFF_2):
        await standin.wait_until(
            lambda staff=staff: "welcome hub" in str(standin.home_view(staff))  # type: ignore[misc]
        )
        home = standin.home_view(staff)
        assert home is not None
        shown = render_blocks_as_text("", home["blocks"], users=standin.user_names())
        assert "Progress logged in the last 90 days" in shown
        assert "*Sheffield City Council*: Opened a <!here> welcome hub" in shown
        assert "&lt;!here&gt;" in str(home["blocks"])  # escaped: nobody is pinged
    members_home = standin.home_view(MEMBER)
    assert members_home is None or "welcome hub" not in str(members_home)

    await slack.slash_command(MEMBER, "history sheffield")
    await standin.wait_until(lambda: "logged the council" in str(standin.responses()[-1].body))
    body = standin.responses()[-1].body
    timeline = render_blocks_as_text(body["text"], body.get("blocks"), users=standin.user_names())
    assert "@Alex Staff logged the council's progress: “Opened a <!here> welcome hub" in timeline
    async with bot.deps.sessions() as session:
        actions = (await session.exec(select(AuditEntry.action))).all()
    assert actions.count("check_in.logged") == 1


async def test_the_renewal_post_shows_the_progress_of_the_term(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn, clock: FixedClock
) -> None:
    term = await seed(bot.deps.sessions, ends_on=date(2027, 1, 31), at=START)
    await scan(bot, clock, TODAY)  # 25 months in: the 24-month check-in
    [message] = check_ins(standin)
    form = await _log_form(slack, standin, STAFF, message)
    assert form is not None
    what = {ids.CHECK_IN_WHAT_BLOCK: "Adopted a refugee housing protocol with the group."}
    await slack.view_submission(STAFF, form, slack.fill_view_state(form, what))
    await standin.wait_until(
        lambda: any("Logged the progress" in e.text for e in standin.ephemerals(STAFF))
    )

    await scan(bot, clock, date(2026, 11, 2))  # 90 days before the end: the nag
    [nag] = [m for m in standin.messages() if m.text.startswith("Renewal reminder")]
    opened = len(standin.calls("views.open"))
    await slack.block_action(STAFF, ids.OPEN_RENEWAL, message_ts=nag.ts, value=str(term.id))
    await standin.wait_for("views.open", count=opened + 1)
    renewal_form = standin.last_view(STAFF)
    assert renewal_form is not None
    renewal = {
        "term_activity": "A welcome hub with the local group.",
        "guidance_response": "Adopted the new dispersal guidance.",
    }
    await slack.view_submission(STAFF, renewal_form, slack.fill_view_state(renewal_form, renewal))
    assert standin.view_errors(renewal_form["id"]) is None
    await standin.wait_until(
        lambda: any(m.text.startswith("Renewal: Sheffield") for m in standin.messages())
    )
    [post] = [m for m in standin.messages() if m.text.startswith("Renewal: Sheffield")]
    shown = post_text(standin, post.ts)
    assert "Progress logged during the last term" in shown
    assert "2 March 2026, @Alex Staff: Adopted a refugee housing protocol with the group." in shown
