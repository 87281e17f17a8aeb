"""`/sanctuary renewals` through the real app, and the catch-up scan when the bot starts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.clock import FixedClock
from bot.domain.config import Settings
from bot.runtime import Runtime, start_http
from bot.standin import SignedSlackClient, SlackStandIn, render_blocks_as_text
from models.db import make_session_factory, transaction
from models.tables import Membership
from tests.conftest import OUTSIDER, START
from tests.membership_factory import seed

TODAY = START.date()


async def _answer(standin: SlackStandIn, count: int = 1) -> str:
    await standin.wait_until(lambda: len(standin.responses()) >= count)
    body = standin.responses()[-1].body
    assert body.get("response_type") == "ephemeral"
    return render_blocks_as_text(body["text"], body.get("blocks"))


async def test_anyone_sees_what_ends_soon_soonest_first_with_days_left_and_state(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    sessions = bot.deps.sessions
    await seed(sessions, ends_on=TODAY + timedelta(days=60), at=START, code="E1", name="Leeds")
    await seed(sessions, ends_on=TODAY + timedelta(days=10), at=START, code="E2", name="York")
    await seed(sessions, ends_on=TODAY + timedelta(days=200), at=START, code="E3", name="Hull")
    await seed(sessions, ends_on=TODAY - timedelta(days=5), at=START, code="E4", name="Bath")
    renewed = await seed(
        sessions, ends_on=TODAY + timedelta(days=30), at=START, code="E5", name="Kent"
    )
    async with transaction(sessions) as session:
        successor = Membership(
            council_id=renewed.council_id,
            starts_on=renewed.ends_on + timedelta(days=1),
            ends_on=date(2029, 4, 2),
            created_at=START,
        )
        session.add(successor)
        await session.flush()
        renewed.renewed_by_id = successor.id
        session.add(renewed)

    await slack.slash_command(OUTSIDER, "renewals")
    text = await _answer(standin)
    lines = [line for line in text.splitlines() if line.startswith("•")]
    assert [line.split("*")[1] for line in lines] == ["Bath", "York", "Kent", "Leeds"]
    assert "ended 25 February 2026 (5 days ago) · _lapsed_" in lines[0]
    assert "in 10 days) · _expiring_" in lines[1]
    assert "_renewed, next term to 2 April 2029_" in lines[2]
    assert "in 60 days) · _expiring_" in lines[3]
    assert "Hull" not in text
    assert standin.messages() == []  # only the caller sees it

    await slack.slash_command(OUTSIDER, "renewals 365")
    longer = await _answer(standin, 2)
    assert "Hull" in longer and "in 200 days) · _active_" in longer


@pytest.mark.parametrize("words", ["renewals soon", "renewals -5", "renewals 0", "renewals 99999"])
async def test_a_bad_number_of_days_gets_a_clear_error(
    slack: SignedSlackClient, standin: SlackStandIn, words: str
) -> None:
    await slack.slash_command(OUTSIDER, words)
    text = await _answer(standin)
    assert "takes a number of days" in text
    assert "/sanctuary renewals 30" in text


async def test_nothing_ending_says_so(slack: SignedSlackClient, standin: SlackStandIn) -> None:
    await slack.slash_command(OUTSIDER, "renewals 30")
    assert "No membership ends in the next 30 days" in await _answer(standin)


@pytest.fixture
async def bot_with_scheduler(
    settings: Settings, engine: AsyncEngine, standin: SlackStandIn
) -> AsyncIterator[Runtime]:
    """The bot as `sanctuary-bot run` starts it, on a day a nag is due."""
    await seed(make_session_factory(engine), ends_on=date(2026, 5, 31), at=START)
    runtime = await start_http(
        replace(settings, slack_api_url=standin.api_url),
        clock=FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)),  # 90 days before the end
        host="127.0.0.1",
        port=0,
        with_scheduler=True,
    )
    yield runtime
    await runtime.stop()


async def test_on_start_the_bot_catches_up_on_the_nags_due(
    bot_with_scheduler: Runtime, standin: SlackStandIn
) -> None:
    await standin.wait_for("chat.postMessage")
    [message] = standin.messages()
    assert "ends in 90 days" in message.text
