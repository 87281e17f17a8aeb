"""The demo's renewals chapter, on a membership seeded as the decision chapter would leave it."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import pytest

from bot.demo.renewals import renewals_chapter
from bot.demo.story import STAFF_ID, Story
from bot.domain.clock import FixedClock
from bot.domain.config import Settings
from bot.runtime import Runtime
from bot.standin import SignedSlackClient, SlackStandIn
from tests.conftest import START
from tests.membership_factory import seed


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The demo's cast: Sam is staff."""
    return replace(settings, staff=settings.staff | {STAFF_ID})


def _story(
    bot: Runtime, standin: SlackStandIn, slack: SignedSlackClient, clock: FixedClock
) -> Story:
    return Story(bot, standin, slack, clock, out=io.StringIO())


@pytest.mark.parametrize("fact", ["id", "name"])
async def test_the_chapter_moves_to_the_90_day_nag_and_shows_it(
    bot: Runtime,
    standin: SlackStandIn,
    slack: SignedSlackClient,
    clock: FixedClock,
    fact: str,
) -> None:
    term = await seed(bot.deps.sessions, ends_on=date(2029, 3, 2), at=START)
    story = _story(bot, standin, slack, clock)
    story.facts["council"] = term.council_id if fact == "id" else "Sheffield City Council"

    await renewals_chapter(story)

    assert clock.now().date() == date(2028, 12, 2)  # 90 days before the end
    out = story.out.getvalue()  # type: ignore[attr-defined]
    assert "Sheffield City Council: membership of the Local Authority Network ends in 90 days" in (
        out.replace("*", "")
    )
    assert "[Start renewal application]" in out
    assert "(only Sam sees)" in out
    assert "Memberships ending in the next 90 days" in out
    # Sam re-applies from the nag: the renewal post shows what changed since the last approval.
    nag, renewal = standin.messages()
    assert "Start renewal application" in str(nag.blocks)
    assert renewal.text.startswith("Renewal: Sheffield City Council")
    shown = out.replace("*", "")
    assert "Renewal: Sheffield City Council" in shown
    assert "Previous term: 2 March 2026 to 2 March 2029" in shown
    assert "Changed since the last approved application" in shown
    assert "• endorsement date: 31 January 2026 → 18 November 2028" in shown
    assert ":warning:" not in shown


async def test_without_a_membership_the_chapter_fails_loudly(
    bot: Runtime, standin: SlackStandIn, slack: SignedSlackClient, clock: FixedClock
) -> None:
    story = _story(bot, standin, slack, clock)
    with pytest.raises(RuntimeError, match=r"needs story\.facts"):
        await renewals_chapter(story)
    story.facts["council"] = "Nowhere Council"
    with pytest.raises(RuntimeError, match="no membership of 'Nowhere Council'"):
        await renewals_chapter(story)
