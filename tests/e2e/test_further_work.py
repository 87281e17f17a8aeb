"""Further work, end to end across registration and review: the working group asks for more,
staff update the evidence, and a new round opens in the same thread with fresh votes."""

from __future__ import annotations

from sqlmodel import select

from bot.domain import ids
from bot.runtime import Runtime
from bot.standin import CHANNEL_ID, SignedSlackClient, SlackStandIn
from models.tables import Application, ReviewRound, VoteChange
from tests.conftest import STAFF
from tests.e2e.helpers_review import click, one_of_each, post_text, quorum_then_decision_form


async def test_further_work_then_updated_evidence_opens_round_two(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    app_id, ts, modal = await quorum_then_decision_form(
        bot.deps, slack, standin, ids.VOTE_FURTHER_WORK
    )
    members = one_of_each()
    # Staff decide: further work, with the question for the council.
    answers = {ids.DECISION_RATIONALE_BLOCK: "Please publish the strategy on the council's site."}
    await slack.view_submission(STAFF, modal, slack.fill_view_state(modal, answers))
    await standin.wait_until(lambda: "Waiting for updated evidence" in post_text(standin, ts))

    # Staff update the evidence: the strategy is now public at a new address.
    await slack.block_action(STAFF, ids.EDIT_APPLICATION, message_ts=ts, value=str(app_id))
    await standin.wait_for("views.open", count=2)
    edit = standin.last_view(STAFF)
    assert edit is not None and edit["callback_id"] == ids.EDIT_VIEW
    # Saving without a change would restart the voting for nothing: refused on the form.
    await slack.view_submission(STAFF, edit, slack.fill_view_state(edit, {}))
    errors = standin.view_errors(edit["id"])
    assert errors is not None and "Nothing was changed" in str(errors)
    new_url = "https://www.sheffield.gov.uk/published-strategy"
    await slack.view_submission(STAFF, edit, slack.fill_view_state(edit, {"strategy_url": new_url}))
    await standin.wait_until(
        lambda: any("Round 2 opened" in m.text for m in standin.thread(CHANNEL_ID, ts))
    )
    await standin.wait_until(lambda: "Votes, round 2 (0 cast)" in post_text(standin, ts))
    text = post_text(standin, ts)
    assert "Decision, round 1: Further work requested" in text  # earlier round stays
    assert new_url in text
    assert "status: under review" in text

    # Votes of round 1 are frozen; round 2 starts fresh.
    old = await click(slack, standin, members["lived"], ids.VOTE_APPROVE, ts, f"{app_id}:1")
    assert "belongs to an earlier round" in old
    fresh = await click(slack, standin, members["lived"], ids.VOTE_APPROVE, ts, f"{app_id}:2")
    assert "Vote recorded" in fresh and "round 2" in fresh
    await standin.wait_until(lambda: "Votes, round 2 (1 cast)" in post_text(standin, ts))
    async with bot.deps.sessions() as session:
        application = await session.get(Application, app_id)
        assert application is not None and application.current_round == 2
        rounds = (
            await session.exec(select(ReviewRound).where(ReviewRound.application_id == app_id))
        ).all()
        assert sorted(r.number for r in rounds) == [1, 2]
        history = (await session.exec(select(VoteChange.round, VoteChange.choice))).all()
    assert history.count((1, "further_work")) == 4
    assert (2, "approve") in history
