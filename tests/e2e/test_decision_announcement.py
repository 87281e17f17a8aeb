"""A decision's announcement in the thread is never lost, and never posted twice."""

from __future__ import annotations

from bot import ids
from bot.runtime import Runtime
from bot.standin import CHANNEL_ID, SignedSlackClient, SlackStandIn
from scheduler.posting import post_pending_applications
from tests.conftest import STAFF
from tests.e2e.helpers_review import add_roster, one_of_each, post_application
from tests.e2e.test_review import click


def _announcements(standin: SlackStandIn, ts: str) -> int:
    return sum("Decision on" in m.text for m in standin.thread(CHANNEL_ID, ts))


async def test_a_refused_announcement_is_posted_later_exactly_once(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await add_roster(bot.deps, standin)
    app_id, ts = await post_application(bot.deps, standin)
    for constituency in ("lived", "councillor", "officer", "group"):
        await click(
            slack, standin, one_of_each()[constituency], ids.VOTE_APPROVE, ts, f"{app_id}:1"
        )
    await slack.block_action(STAFF, ids.RECORD_DECISION, message_ts=ts, value=f"{app_id}:1")
    await standin.wait_for("views.open")
    modal = standin.last_view(STAFF)
    assert modal is not None

    standin.fail_next("chat.postMessage", status=500)  # Slack is down for the announcement
    answers = {ids.DECISION_RATIONALE_BLOCK: "All five criteria are met."}
    told = len(standin.ephemerals(STAFF))
    await slack.view_submission(STAFF, modal, slack.fill_view_state(modal, answers))
    await standin.wait_until(lambda: len(standin.ephemerals(STAFF)) > told)
    assert "decision is recorded" in standin.ephemerals(STAFF)[-1].text
    assert _announcements(standin, ts) == 0

    await post_pending_applications(bot.deps, bot.client)
    await post_pending_applications(bot.deps, bot.client)
    assert _announcements(standin, ts) == 1
