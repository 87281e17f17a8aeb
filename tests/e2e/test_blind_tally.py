"""The blind tally (SANCTUARY_BLIND_TALLY=true; issue 12 item 4): until the round closes (its
deadline or its decision, whichever comes first) everyone sees how many have voted in each
constituency and what quorum lacks, but not how they voted nor the recommendation; staff see
the choices in the decision form."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.domain import ids
from bot.domain.config import Settings
from bot.runtime import Runtime
from bot.standin import SignedSlackClient, SlackStandIn, render_blocks_as_text
from scheduler.review import send_review_reminders
from tests.conftest import STAFF
from tests.e2e.helpers_review import add_roster, click, one_of_each, post_application, post_text

# How a choice would show: counted, cast by someone, or recommended.
CHOICE = re.compile(
    r"(\d+ |voted |recommendation: )(approve|decline|further work|abstain|no majority)"
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, rules=replace(settings.rules, blind_tally=True))


async def _say(slack: SignedSlackClient, standin: SlackStandIn, user: str, text: str) -> str:
    before = len(standin.responses())
    await slack.slash_command(user, text)
    await standin.wait_until(lambda: len(standin.responses()) > before)
    body = standin.responses()[-1].body
    return render_blocks_as_text(str(body["text"]), body.get("blocks")).lower()


async def _voted(bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn) -> tuple[int, str]:
    await add_roster(bot.deps, standin)
    app_id, ts = await post_application(bot.deps, standin)
    first = one_of_each()
    value = f"{app_id}:1"
    said = await click(slack, standin, first["lived"], ids.VOTE_DECLINE, ts, value)
    assert "Vote recorded: *Decline*" in said  # a member is told their own vote
    for constituency in ("councillor", "officer"):
        await click(slack, standin, first[constituency], ids.VOTE_APPROVE, ts, value)
    return app_id, ts


async def test_until_the_deadline_only_counts_show_everywhere(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    app_id, ts = await _voted(bot, slack, standin)
    post = post_text(standin, ts).lower()
    tally = post[post.index("votes, round 1") : post.index("[approve]")]  # not the buttons
    assert "(3 cast; how members voted is shown when voting closes)" in tally
    assert "lived experience of seeking sanctuary: 1 vote" in tally
    assert "councillors: 1 vote" in tally and "trustees: no vote yet" in tally
    assert "quorum: not yet: 1 more vote (3 of 4)" in tally
    assert "recommendation: shown when voting closes" in tally
    assert not CHOICE.search(tally)

    status = await _say(slack, standin, STAFF, "status sheffield")
    history = await _say(slack, standin, STAFF, "history sheffield")
    await slack.event({"type": "app_home_opened", "user": STAFF, "tab": "home"})
    await standin.wait_until(lambda: standin.home_view(STAFF) is not None)
    home = render_blocks_as_text("", (standin.home_view(STAFF) or {})["blocks"]).lower()
    assert "3 votes cast" in status and "3 votes" in home
    assert "@u0lived001 voted" in history or "<@u0lived001> voted" in history
    for place in (status, history, home):
        assert not CHOICE.search(place), place

    # Staff see the choices in the decision form.
    opened = len(standin.calls("views.open"))
    await slack.block_action(STAFF, ids.RECORD_DECISION, message_ts=ts, value=f"{app_id}:1")
    await standin.wait_for("views.open", count=opened + 1)
    form = str(standin.last_view(STAFF))
    assert "2 approve" in form and "1 decline" in form

    # At the deadline the round closes: the choices and the recommendation show.
    bot.deps.clock.set(bot.deps.clock.now() + timedelta(days=14))
    await send_review_reminders(bot.deps, bot.client)
    post = post_text(standin, ts).lower()
    assert "councillors: 1 approve" in post
    assert "lived experience of seeking sanctuary: 1 decline" in post
    assert "recommendation: approve" in post
    history = await _say(slack, standin, STAFF, "history sheffield")
    assert "voted decline" in history


async def test_a_member_sees_their_own_vote_and_no_one_elses(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await _voted(bot, slack, standin)
    first = one_of_each()
    own = await _say(slack, standin, first["lived"], "history sheffield")
    assert "voted decline" in own
    assert not re.search(r"voted (approve|further work|abstain)", own), own
    status = await _say(slack, standin, first["lived"], "status sheffield")
    assert "your vote: decline" in status and not CHOICE.search(status), status
    theirs = await _say(slack, standin, first["councillor"], "history sheffield")
    assert len(re.findall(r"voted approve", theirs)) == 1  # their own, not the officer's
    assert "decline" not in theirs


async def test_the_decision_closes_the_round_before_its_deadline(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    app_id, ts = await _voted(bot, slack, standin)
    opened = len(standin.calls("views.open"))
    await slack.block_action(STAFF, ids.RECORD_DECISION, message_ts=ts, value=f"{app_id}:1")
    await standin.wait_for("views.open", count=opened + 1)
    form = standin.last_view(STAFF)
    assert form is not None
    answers = {
        ids.DECISION_OUTCOME_BLOCK: "approved",
        ids.DECISION_RATIONALE_BLOCK: "Well evidenced.",
        ids.DECISION_NO_QUORUM_BLOCK: "The council meets next week.",
    }
    await slack.view_submission(STAFF, form, slack.fill_view_state(form, answers))
    await standin.wait_until(lambda: "Decision, round 1" in post_text(standin, ts))
    post = post_text(standin, ts).lower()
    assert "councillors: 1 approve" in post and "recommendation: approve" in post
