"""Registering an application end to end: the modal, the picker, validation, the post, failures."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from bot.domain.clock import FixedClock
from bot.domain.terms import years_later
from bot.runtime import Runtime
from bot.services import ledger
from bot.services.posting import POST_APPLICATION
from bot.standin import SignedSlackClient, SlackStandIn, render_blocks_as_text
from bot.standin.server import CHANNEL_ID
from models.tables import Application, AuditEntry, ReminderLedger, ReviewRound
from scheduler.posting import post_pending_applications
from tests.conftest import OUTSIDER, STAFF, STAFF_2

TODAY = date(2026, 3, 2)  # the clock fixture's day


@pytest.fixture(autouse=True)
def _slack_saw_nothing_wrong(standin: SlackStandIn) -> Iterator[None]:
    yield
    assert standin.warnings == []


def answers(today: date = TODAY, **overrides: Any) -> dict[str, Any]:
    """Valid answers for every input of the modal (keyed by block_id), council excluded."""
    values: dict[str, Any] = {
        "motion_date": today - timedelta(days=200),
        "motion_url": "https://democracy.example.gov.uk/motion/42",
        "charter_date": today - timedelta(days=150),
        "group_names": "City of Sanctuary Sheffield",
        "joint_work": "Joint welcome events and a refugee week programme.",
        "endorsed_by": "The steering group",
        "endorsement_date": today - timedelta(days=30),
        "strategy_url": "https://www.example.gov.uk/sanctuary-strategy",
        "strategy_kind": "standalone",
        # A five-year strategy that began two months ago: current, and outlasting the term.
        "strategy_start": today - timedelta(days=60),
        "strategy_end": years_later(today - timedelta(days=60), 5),
        "councillor_name": "Cllr Jane Doe",
        "councillor_email": "jane.doe@example.gov.uk",
        "councillor_portfolio": "Communities",
        "officer1_name": "Sam Officer",
        "officer1_role": "Resettlement lead",
        "officer1_email": "sam.officer@example.gov.uk",
    }
    values.update(overrides)
    return values


async def open_modal(slack: SignedSlackClient, standin: SlackStandIn) -> dict[str, Any]:
    reply = await slack.slash_command(STAFF, "apply")
    assert reply.status == 200
    await standin.wait_until(lambda: standin.last_view(STAFF) is not None)
    view = standin.last_view(STAFF)
    assert view is not None
    return view


async def pick(slack: SignedSlackClient, view: dict[str, Any], typed: str) -> dict[str, Any]:
    reply = await slack.block_suggestion(STAFF, "council_picker", typed, view=view)
    assert reply.status == 200 and isinstance(reply.json, dict)
    options: list[dict[str, Any]] = reply.json["options"]
    assert options, f"no council found for {typed!r}"
    return options[0]


async def submit(
    slack: SignedSlackClient, view: dict[str, Any], values: dict[str, Any]
) -> dict[str, str] | None:
    await slack.view_submission(STAFF, view, slack.fill_view_state(view, values))
    return slack.standin.view_errors(view["id"])


async def register_sheffield(
    slack: SignedSlackClient, standin: SlackStandIn, *, posted: bool = True, **overrides: Any
) -> dict[str, Any]:
    """Register Sheffield through the modal; wait for the post unless `posted=False`."""
    view = await open_modal(slack, standin)
    option = await pick(slack, view, "sheff")
    before = len(standin.messages())
    assert await submit(slack, view, answers(council=option, **overrides)) is None
    if posted:
        await standin.wait_until(lambda: len(standin.messages()) > before)
    return view


def posts(standin: SlackStandIn) -> list[str]:
    return [render_blocks_as_text(m.text, m.blocks) for m in standin.messages()]


async def test_non_staff_are_refused_politely(
    slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await slack.slash_command(OUTSIDER, "apply")
    await standin.wait_until(lambda: bool(standin.responses()))
    assert "for City of Sanctuary UK staff" in standin.responses()[-1].body["text"]
    assert standin.last_view(OUTSIDER) is None


async def test_picker_finds_councils_by_the_names_people_use(
    slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    view = await open_modal(slack, standin)
    for typed in ("brighton", "B&H", "Brighton and Hove"):
        option = await pick(slack, view, typed)
        assert option["text"]["text"] == "Brighton and Hove City Council"
        assert option["value"] == "E06000043"
    option = await pick(slack, view, "Allerdale")
    assert option["text"]["text"].startswith("Cumberland Council (formerly Allerdale")


async def test_invalid_input_shows_errors_on_the_fields(
    slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    view = await open_modal(slack, standin)
    option = await pick(slack, view, "sheff")
    errors = await submit(
        slack,
        view,
        answers(
            council=option,
            motion_date=TODAY + timedelta(days=1),
            strategy_end=TODAY + timedelta(days=365),
            councillor_email="not an email",
            motion_url="javascript:alert(1)",
        ),
    )
    assert errors is not None
    assert set(errors) == {"motion_date", "strategy_end", "councillor_email", "motion_url"}
    assert "future" in errors["motion_date"]
    assert "three years" in errors["strategy_end"]
    assert standin.last_view(STAFF) is not None  # the modal stays open with what was typed
    assert standin.messages() == []


async def test_council_from_list_or_by_name_exactly_one(
    slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    view = await open_modal(slack, standin)
    errors = await submit(slack, view, answers())
    assert errors is not None and "council" in errors
    option = await pick(slack, view, "sheff")
    errors = await submit(slack, view, answers(council=option, council_other="Frome Town Council"))
    assert errors is not None and "council_other" in errors


async def test_valid_application_is_stored_then_posted_escaped(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    hostile = "<!channel> & <https://evil.example|Minutes>"
    await register_sheffield(slack, standin, joint_work=hostile)
    await standin.wait_for("chat.postMessage")
    [post] = standin.messages()
    shown = render_blocks_as_text(post.text, post.blocks)
    assert "New application: Sheffield City Council" in shown
    assert hostile in shown  # shown as typed
    assert "<!channel>" not in str(post.blocks) and "<https://evil" not in str(post.blocks)
    assert "/sanctuary status Sheffield City Council" in shown
    await standin.wait_until(lambda: bool(standin.ephemerals(STAFF)))
    assert "posted it for review" in standin.ephemerals(STAFF)[-1].text
    async with bot.deps.sessions() as session:
        application = (await session.exec(select(Application))).one()
        assert application.message_ts == post.ts and application.channel == CHANNEL_ID
        assert application.joint_work == hostile
        review_round = (await session.exec(select(ReviewRound))).one()
        assert review_round.posted_at == bot.deps.clock.now()
        assert review_round.deadline_at == bot.deps.clock.now() + timedelta(days=14)
        actions = (await session.exec(select(AuditEntry.action).order_by(col(AuditEntry.id)))).all()
        assert actions == ["application.registered", "application.posted"]


async def test_a_second_open_application_is_refused_on_the_council_field(
    slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await register_sheffield(slack, standin)
    view = await open_modal(slack, standin)
    option = await pick(slack, view, "Sheffield City Council")
    errors = await submit(slack, view, answers(council=option))
    assert errors is not None and "already has an open application" in errors["council"]


async def _wait_for_failure_notice(standin: SlackStandIn) -> str:
    def told() -> list[str]:
        return [e.text for e in standin.ephemerals(STAFF)] + [
            m.text for m in standin.messages(standin.dm_channel_id(STAFF))
        ]

    await standin.wait_until(lambda: any("could not be posted" in t for t in told()))
    return next(t for t in told() if "could not be posted" in t)


def _posts_tried(standin: SlackStandIn) -> int:
    return len([c for c in standin.calls("chat.postMessage") if c.args["channel"] == CHANNEL_ID])


async def test_not_in_channel_keeps_the_application_says_what_to_do_and_retries_hourly(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn, clock: FixedClock
) -> None:
    standin.fail_next("chat.postMessage", error="not_in_channel")
    await register_sheffield(slack, standin, posted=False)
    notice = await _wait_for_failure_notice(standin)
    assert "/invite @Sanctuary Network" in notice
    assert standin.messages() == []
    async with bot.deps.sessions() as session:
        actions = (await session.exec(select(AuditEntry.action))).all()
        assert "application.post_failed" in actions
        assert (await session.exec(select(Application))).one().message_ts is None
    # Each member of staff is told what to fix.
    for staff in (STAFF, STAFF_2):
        dm = standin.messages(standin.dm_channel_id(staff))
        [told] = [m.text for m in dm if "Slack refused a message" in m.text]
        assert "/invite @Sanctuary Network" in told
    # A permanent refusal is not retried every minute: the job leaves the channel for an hour.
    for _ in range(59):
        clock.advance(timedelta(minutes=1))
        assert await post_pending_applications(bot.deps, bot.client) == 0
    assert _posts_tried(standin) == 1
    # An hour on (Slack accepts by now) the job posts it, exactly once, even run twice at once.
    clock.advance(timedelta(minutes=1))
    results = await asyncio.gather(
        post_pending_applications(bot.deps, bot.client),
        post_pending_applications(bot.deps, bot.client),
    )
    assert sorted(results) == [0, 1]
    assert len(standin.messages()) == 1
    assert await post_pending_applications(bot.deps, bot.client) == 0
    assert len(standin.messages()) == 1
    dm = standin.messages(standin.dm_channel_id(STAFF))
    assert any("is now posted" in m.text for m in dm)
    async with bot.deps.sessions() as session:
        posts = (
            await session.exec(
                select(ReminderLedger).where(ReminderLedger.kind == POST_APPLICATION)
            )
        ).all()
        assert [row.state for row in posts] == ["sent"]


async def test_rate_limits_beyond_retries_and_server_errors_are_survived(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn, clock: FixedClock
) -> None:
    standin.fail_next("chat.postMessage", error="ratelimited", retry_after=0, times=5)
    await register_sheffield(slack, standin, posted=False)
    notice = await _wait_for_failure_notice(standin)
    assert "slow down" in notice
    standin.fail_next("chat.postMessage", status=500)
    assert await post_pending_applications(bot.deps, bot.client) == 0
    assert standin.messages() == []
    # A 5xx without Slack's own error may follow a post that went through: the claim is kept
    # until its lease runs out, then the post is made.
    assert await post_pending_applications(bot.deps, bot.client) == 0
    clock.advance(ledger.DEFAULT_LEASE + timedelta(minutes=1))
    assert await post_pending_applications(bot.deps, bot.client) == 1
    assert len(standin.messages()) == 1


async def _posted_application(bot: Runtime) -> Application:
    async with bot.deps.sessions() as session:
        return (await session.exec(select(Application))).one()


async def test_staff_edit_evidence_and_the_post_is_rerendered(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await register_sheffield(slack, standin)
    [post] = standin.messages()
    await slack.block_action(OUTSIDER, "edit_application", message_ts=post.ts)
    await standin.wait_until(lambda: bool(standin.responses()))
    assert "is for City of Sanctuary UK staff" in standin.responses()[-1].body["text"]
    assert standin.last_view(OUTSIDER) is None

    await slack.block_action(STAFF, "edit_application", message_ts=post.ts)
    await standin.wait_until(lambda: standin.last_view(STAFF) is not None)
    view = standin.last_view(STAFF)
    assert view is not None and view["callback_id"] == "edit_view"
    # Prefilled: submitting only a change keeps everything else.
    errors = await submit(slack, view, {"joint_work": "A new & better programme"})
    assert errors is None
    await standin.wait_for("chat.update")
    shown = render_blocks_as_text(standin.messages()[0].text, standin.messages()[0].blocks)
    assert "A new & better programme" in shown
    async with bot.deps.sessions() as session:
        entry = (
            await session.exec(select(AuditEntry).where(AuditEntry.action == "application.updated"))
        ).one()
        assert '"joint_work"' in entry.detail


async def test_edit_after_further_work_opens_the_next_round_in_the_thread(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await register_sheffield(slack, standin)
    [post] = standin.messages()
    async with bot.deps.sessions() as session, session.begin():
        application = (await session.exec(select(Application))).one()
        application.status = "further_work"  # as the decision (another module) leaves it
        session.add(application)
    await slack.block_action(STAFF, "edit_application", message_ts=post.ts)
    await standin.wait_until(lambda: standin.last_view(STAFF) is not None)
    view = standin.last_view(STAFF)
    assert view is not None
    bot.deps.clock.advance(timedelta(days=20))  # type: ignore[attr-defined]
    new_url = "https://www.example.gov.uk/strategy-2026"
    assert await submit(slack, view, {"strategy_url": new_url}) is None
    await standin.wait_until(lambda: bool(standin.thread(CHANNEL_ID, post.ts)))
    [reply] = standin.thread(CHANNEL_ID, post.ts)
    assert reply.text.startswith("Round 2 opened: evidence updated — strategy link")
    await standin.wait_for("chat.update")
    application = await _posted_application(bot)
    assert (application.status, application.current_round) == ("under_review", 2)
    async with bot.deps.sessions() as session:
        second = (await session.exec(select(ReviewRound).where(ReviewRound.number == 2))).one()
        assert second.message_ts == reply.ts
        assert second.deadline_at == bot.deps.clock.now() + timedelta(days=14)
    shown = render_blocks_as_text(standin.messages()[0].text, standin.messages()[0].blocks)
    assert "Votes, round 2" in shown


async def test_staff_withdraw_with_a_reason(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await register_sheffield(slack, standin)
    [post] = standin.messages()
    await slack.block_action(STAFF, "withdraw_application", message_ts=post.ts)
    await standin.wait_until(lambda: standin.last_view(STAFF) is not None)
    view = standin.last_view(STAFF)
    assert view is not None
    values = slack.fill_view_state(view, {"withdraw_reason": "The council asked to pause"})
    await slack.view_submission(STAFF, view, values)
    await standin.wait_for("chat.update")
    shown = render_blocks_as_text(standin.messages()[0].text, standin.messages()[0].blocks)
    assert "withdrawn" in shown
    assert "Edit evidence" not in shown
    assert (await _posted_application(bot)).status == "withdrawn"


async def _status(
    slack: SignedSlackClient, standin: SlackStandIn, text: str, user: str = OUTSIDER
) -> str:
    before = len(standin.responses())
    await slack.slash_command(user, f"status {text}")
    await standin.wait_until(lambda: len(standin.responses()) > before)
    body = standin.responses()[-1].body
    return render_blocks_as_text(body["text"], body.get("blocks"))


async def test_status_shows_where_an_application_stands(
    slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await register_sheffield(slack, standin)
    view = await open_modal(slack, standin)
    assert await submit(slack, view, answers(council_other="Frome Town Council")) is None
    await standin.wait_for("chat.postMessage", 2)
    shown = await _status(slack, standin, "sheffield")
    assert "Sheffield City Council" in shown
    assert "under review" in shown and "Deadline" in shown
    assert "vote" not in shown  # an outsider sees the stage and dates (DESIGN.md §4)
    assert "0 votes cast" in await _status(slack, standin, "sheffield", STAFF)
    assert "Frome Town Council" in await _status(slack, standin, "frome")
    assert "found no application" in await _status(slack, standin, "Brighton")
