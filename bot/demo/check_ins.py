"""The demo's check-in: a year into the membership, the channel is invited to log progress."""

from __future__ import annotations

from datetime import UTC, datetime, time

from bot.demo.renewals import newest_membership
from bot.demo.story import STAFF_ID, Story
from bot.domain import ids
from bot.domain.terms import months_later
from bot.standin import fill_view_state
from scheduler.renewals import post_renewal_nags


async def check_in_chapter(story: Story) -> None:
    membership, council_name = await newest_membership(story)
    a_year_in = months_later(membership.starts_on, 12)
    story.clock.set(datetime.combine(a_year_in, time(9, 0), tzinfo=UTC))
    story.chapter("A year into the membership: the check-in")
    story.say(
        f"The clock moves to {a_year_in:%d %B %Y}, 12 months into {council_name}'s term. The "
        "hourly scan (the one that posts renewal nags) posts the check-in."
    )
    report = await post_renewal_nags(story.runtime.deps, story.runtime.client)
    check_ins = [m for m in story.slack.messages() if m.text.startswith("Check-in.")]
    if not check_ins:
        raise RuntimeError(f"the scan posted no check-in:\n{report}")
    story.show_channel("The working-group channel: the check-in")

    story.say("Sam presses *Log progress* and writes what the council did this year.")
    opened = len(story.slack.calls("views.open"))
    await story.client.block_action(STAFF_ID, ids.LOG_PROGRESS, message_ts=check_ins[-1].ts)
    await story.slack.wait_for("views.open", count=opened + 1)
    form = story.slack.last_view(STAFF_ID)
    if form is None:
        raise RuntimeError("the Log progress button opened no form")
    answers = {
        ids.CHECK_IN_WHAT_BLOCK: "Opened a welcome hub with the local group; 40 front-line "
        "staff trained in trauma-informed practice.",
        ids.CHECK_IN_URL_BLOCK: "https://www.sheffield.gov.uk/news/welcome-hub",
    }
    told = len(story.slack.ephemerals(STAFF_ID))
    await story.client.view_submission(STAFF_ID, form, fill_view_state(form, answers))
    await story.slack.wait_until(lambda: len(story.slack.ephemerals(STAFF_ID)) > told)
    answer = story.slack.ephemerals(STAFF_ID)[-1]
    story.show_private("Sam", answer.text, answer.blocks)
