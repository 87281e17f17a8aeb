"""The limits of fresh evidence and of re-application are settings (DESIGN.md section 6):
`SANCTUARY_ENDORSEMENT_MAX_AGE_MONTHS` and `SANCTUARY_RENEWAL_WINDOW_MONTHS`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from bot.domain.config import Settings
from bot.runtime import Runtime
from bot.settings import load_settings
from bot.standin import SignedSlackClient, SlackStandIn
from tests.conftest import SIGNING_SECRET, STAFF, STAFF_2, START
from tests.e2e.test_registration import answers, open_modal, pick, posts, submit
from tests.membership_factory import seed


@pytest.fixture
def settings(database_url: str) -> Settings:
    """A network that wants endorsements at most 6 months old and lets a council renew up to
    24 months after its last term ended."""
    return load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-standin-token",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SANCTUARY_CHANNEL": "C0WORKGRP1",
            "SANCTUARY_STAFF": f"{STAFF},{STAFF_2}",
            "DATABASE_URL": database_url,
            "SANCTUARY_ENDORSEMENT_MAX_AGE_MONTHS": "6",
            "SANCTUARY_RENEWAL_WINDOW_MONTHS": "24",
        }
    )


@pytest.fixture(autouse=True)
def _slack_saw_nothing_wrong(standin: SlackStandIn) -> Iterator[None]:
    yield
    assert standin.warnings == []


async def _apply(
    slack: SignedSlackClient, standin: SlackStandIn, **overrides: object
) -> dict[str, str] | None:
    view = await open_modal(slack, standin)
    option = await pick(slack, view, "sheff")
    return await submit(slack, view, answers(date(2026, 3, 2), council=option, **overrides))


async def test_the_endorsement_age_limit_is_a_setting(
    slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    # Eight months old: fresh by the default of 12 months, too old for this network.
    assert await _apply(slack, standin, endorsement_date=date(2025, 7, 1)) is None
    await standin.wait_until(lambda: bool(standin.messages()))
    post = posts(standin)[-1].replace("*", "")
    assert "The endorsement was given on 1 July 2025, more than 6 months ago" in post


async def test_the_renewal_window_is_a_setting(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    # Ended 20 months ago: a new application by default, a renewal for this network.
    await seed(bot.deps.sessions, ends_on=date(2024, 7, 1), at=START)
    errors = await _apply(slack, standin)
    assert errors is not None and set(errors) == {"term_activity", "guidance_response"}
    renewal = {"term_activity": "Welcome events", "guidance_response": "Updated the strategy"}
    assert await _apply(slack, standin, **renewal) is None
    await standin.wait_until(lambda: bool(standin.messages()))
    post = posts(standin)[-1].replace("*", "")
    assert "Renewal: Sheffield City Council" in post
    assert "Previous term: 1 July 2021 to 1 July 2024" in post
