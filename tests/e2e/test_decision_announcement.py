"""A decision's announcement in the thread is never lost, and never posted twice."""

from __future__ import annotations

from datetime import timedelta

from bot.domain import ids
from bot.domain.clock import FixedClock
from bot.runtime import Runtime
from bot.services import ledger
from bot.standin import CHANNEL_ID, SignedSlackClient, SlackStandIn
from scheduler.posting import post_pending_applications
from tests.conftest import STAFF
from tests.e2e.helpers_review import one_of_each, post_text, quorum_then_decision_form


def _announcements(standin: SlackStandIn, ts: str) -> int:
    return sum("Decision on" in m.text for m in standin.thread(CHANNEL_ID, ts))


async def test_a_refused_announcement_is_posted_later_exactly_once(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn, clock: FixedClock
) -> None:
    _, ts, modal = await quorum_then_decision_form(bot.deps, slack, standin, ids.VOTE_APPROVE)

    standin.fail_next("chat.postMessage", status=500)  # Slack is down for the announcement
    answers = {ids.DECISION_RATIONALE_BLOCK: "All five criteria are met."}
    told = len(standin.ephemerals(STAFF))
    await slack.view_submission(STAFF, modal, slack.fill_view_state(modal, answers))
    await standin.wait_until(lambda: len(standin.ephemerals(STAFF)) > told)
    assert "decision is recorded" in standin.ephemerals(STAFF)[-1].text
    assert _announcements(standin, ts) == 0

    # A 5xx without Slack's own error may follow a post that went through: the claim is kept
    # until its lease runs out, then the announcement is posted, once.
    await post_pending_applications(bot.deps, bot.client)
    assert _announcements(standin, ts) == 0
    clock.advance(ledger.DEFAULT_LEASE + timedelta(minutes=1))
    await post_pending_applications(bot.deps, bot.client)
    await post_pending_applications(bot.deps, bot.client)
    assert _announcements(standin, ts) == 1


async def test_quorum_lost_while_the_form_is_open_asks_for_the_reason_on_the_form(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    app_id, ts, decision = await quorum_then_decision_form(
        bot.deps, slack, standin, ids.VOTE_APPROVE
    )
    members = one_of_each()

    # Meanwhile the officer declares a conflict: their vote goes, and with it quorum.
    officer = members["officer"]
    await slack.block_action(officer, ids.DECLARE_CONFLICT, message_ts=ts, value=f"{app_id}:1")
    await standin.wait_for("views.open", count=2)
    conflict = standin.last_view(officer)
    assert conflict is not None
    reason = {ids.CONFLICT_REASON_BLOCK: "I advise the council."}
    await slack.view_submission(officer, conflict, slack.fill_view_state(conflict, reason))
    await standin.wait_until(lambda: "Recused" in post_text(standin, ts))

    answers = {ids.DECISION_RATIONALE_BLOCK: "All five criteria are met."}
    await slack.view_submission(STAFF, decision, slack.fill_view_state(decision, answers))
    errors = standin.view_errors(decision["id"])
    assert errors is not None and ids.DECISION_NO_QUORUM_BLOCK in errors
    answers[ids.DECISION_NO_QUORUM_BLOCK] = "Three constituencies voted; the council meets soon."
    await slack.view_submission(STAFF, decision, slack.fill_view_state(decision, answers))
    await standin.wait_until(lambda: _announcements(standin, ts) == 1)


async def test_the_decision_is_also_sent_to_the_channel(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    """Everyone in the channel sees the decision, not only those who open the thread."""
    _, ts, modal = await quorum_then_decision_form(bot.deps, slack, standin, ids.VOTE_APPROVE)
    answers = {ids.DECISION_RATIONALE_BLOCK: "All five criteria are met."}
    await slack.view_submission(STAFF, modal, slack.fill_view_state(modal, answers))
    await standin.wait_until(lambda: _announcements(standin, ts) == 1)

    in_the_channel = [m for m in standin.messages(CHANNEL_ID) if "Decision on" in m.text]
    assert len(in_the_channel) == 1
    assert in_the_channel[0].thread_ts == ts and in_the_channel[0].reply_broadcast
    post = standin.find_message(CHANNEL_ID, ts)
    assert post is not None and post.text.startswith("Approved application:")
