"""Fresh evidence (issue 13, item 1): a strategy that has ended is refused on its field; a
strategy that ends before the membership would, or an old endorsement, is accepted with a
warning on the post and in the decision form, checked again when staff decide."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.domain import ids
from bot.domain.clock import FixedClock
from bot.runtime import Runtime
from bot.standin import SignedSlackClient, SlackStandIn, render_blocks_as_text
from models.tables import AuditEntry
from scheduler.renewals import post_renewal_nags
from tests.conftest import STAFF
from tests.e2e.test_registration import answers, open_modal, pick, posts, submit
from tests.membership_factory import seed

RENEWAL_ANSWERS = {
    "term_activity": "Resettled 40 families; a welcome hub in the library.",
    "guidance_response": "Adopted the 2027 guidance on asylum hotels within six months.",
}


@pytest.fixture(autouse=True)
def _slack_saw_nothing_wrong(standin: SlackStandIn) -> Iterator[None]:
    yield
    assert standin.warnings == []


async def _register(
    slack: SignedSlackClient, standin: SlackStandIn, today: date, **overrides: Any
) -> dict[str, str] | None:
    view = await open_modal(slack, standin)
    option = await pick(slack, view, "sheff")
    return await submit(slack, view, answers(today, council=option, **overrides))


async def _decision_form_text(slack: SignedSlackClient, standin: SlackStandIn) -> str:
    """Staff press "Record decision" on the (only) post: the form as they read it."""
    [post] = standin.messages()
    opened = len(standin.calls("views.open"))
    application_id = next(
        element["value"]
        for block in post.blocks or []
        for element in block.get("elements", [])
        if isinstance(element, dict) and element.get("action_id") == ids.RECORD_DECISION
    )
    await slack.block_action(STAFF, ids.RECORD_DECISION, message_ts=post.ts, value=application_id)
    await standin.wait_for("views.open", count=opened + 1)
    form = standin.last_view(STAFF)
    assert form is not None
    return render_blocks_as_text("", form["blocks"]).replace("*", "")


async def test_in_2026_a_strategy_dated_2015_to_2018_is_refused_on_its_end_field(
    slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    errors = await _register(
        slack,
        standin,
        date(2026, 3, 2),
        strategy_start=date(2015, 4, 1),
        strategy_end=date(2018, 4, 1),
    )
    assert errors is not None and set(errors) == {"strategy_end"}
    assert "The strategy ended on 1 April 2018" in errors["strategy_end"]
    assert standin.last_view(STAFF) is not None  # the form stays open with what was typed
    assert standin.messages() == []


async def test_a_strategy_ending_today_is_still_current(
    slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    errors = await _register(
        slack,
        standin,
        date(2026, 3, 2),
        strategy_start=date(2023, 3, 2),
        strategy_end=date(2026, 3, 2),
    )
    assert errors is None
    await standin.wait_until(lambda: bool(standin.messages()))


async def test_in_january_2029_a_renewal_whose_strategy_ended_three_weeks_before_is_refused(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn, clock: FixedClock
) -> None:
    # Approved in March 2026 on a strategy running to Christmas 2028; the term ends March 2029.
    await seed(
        bot.deps.sessions,
        ends_on=date(2029, 3, 1),
        at=datetime(2026, 3, 1, 10, 0, tzinfo=UTC),
        strategy_start=date(2025, 12, 25),
        strategy_end=date(2028, 12, 25),
    )
    clock.set(datetime(2029, 1, 15, 10, 0, tzinfo=UTC))
    await post_renewal_nags(bot.deps, bot.client, now=clock.now())
    [nag] = standin.messages()
    await slack.block_action(STAFF, ids.OPEN_RENEWAL, message_ts=nag.ts)
    await standin.wait_for("views.open")
    view = standin.last_view(STAFF)
    assert view is not None

    fresh_endorsement = {"endorsement_date": date(2029, 1, 10)}
    await slack.view_submission(
        STAFF, view, slack.fill_view_state(view, RENEWAL_ANSWERS | fresh_endorsement)
    )
    errors = standin.view_errors(view["id"])
    assert errors is not None and set(errors) == {"strategy_end"}
    assert "The strategy ended on 25 December 2028" in errors["strategy_end"]
    assert len(standin.messages()) == 1  # only the nag: nothing posted

    new_strategy = {
        "strategy_url": "https://www.example.gov.uk/sanctuary-strategy-2029",
        "strategy_start": date(2029, 1, 1),
        "strategy_end": date(2034, 1, 1),
    }
    await slack.view_submission(
        STAFF, view, slack.fill_view_state(view, RENEWAL_ANSWERS | fresh_endorsement | new_strategy)
    )
    await standin.wait_until(lambda: len(standin.messages()) == 2)
    post = posts(standin)[-1]
    assert "Renewal: Sheffield City Council" in post
    assert ":warning:" not in post


async def test_a_strategy_ending_before_the_membership_would_is_a_warning_on_post_and_form(
    slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    # Registered 2 March 2026: the membership would run to 2 March 2029.
    errors = await _register(
        slack,
        standin,
        date(2026, 3, 2),
        strategy_start=date(2024, 6, 1),
        strategy_end=date(2028, 6, 1),
    )
    assert errors is None
    await standin.wait_until(lambda: bool(standin.messages()))
    warning = "The strategy ends on 1 June 2028, before the membership would end (2 March 2029)"
    [post] = posts(standin)
    assert warning in post.replace("*", "")
    assert "more than 12 months ago" not in post
    assert warning in await _decision_form_text(slack, standin)


async def test_an_endorsement_over_12_months_old_is_a_warning_on_post_and_form(
    slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    errors = await _register(slack, standin, date(2026, 3, 2), endorsement_date=date(2025, 2, 1))
    assert errors is None
    await standin.wait_until(lambda: bool(standin.messages()))
    warning = "The endorsement was given on 1 February 2025, more than 12 months ago"
    [post] = posts(standin)
    assert warning in post.replace("*", "")
    assert "The strategy ends" not in post
    assert warning in await _decision_form_text(slack, standin)


async def test_the_decision_checks_again_what_was_fresh_at_registration(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn, clock: FixedClock
) -> None:
    # Endorsed 20 March 2025: eleven months old at registration, over twelve three weeks later.
    errors = await _register(slack, standin, date(2026, 3, 2), endorsement_date=date(2025, 3, 20))
    assert errors is None
    await standin.wait_until(lambda: bool(standin.messages()))
    assert ":warning:" not in posts(standin)[0]
    assert "endorsement was given" not in await _decision_form_text(slack, standin)

    clock.advance(timedelta(days=21))
    form = await _decision_form_text(slack, standin)
    warning = "The endorsement was given on 20 March 2025, more than 12 months ago"
    assert warning in form

    # Staff decide knowing it: the audit log keeps what the form warned about.
    view = standin.last_view(STAFF)
    assert view is not None
    decided = {
        ids.DECISION_OUTCOME_BLOCK: "further_work",
        ids.DECISION_RATIONALE_BLOCK: "Please ask the group to endorse the application again.",
        ids.DECISION_NO_QUORUM_BLOCK: "The group's endorsement must come first.",
    }
    await slack.view_submission(STAFF, view, slack.fill_view_state(view, decided))
    assert standin.view_errors(view["id"]) is None
    async with bot.deps.sessions() as session:
        [detail] = (
            await session.exec(
                select(AuditEntry.detail).where(AuditEntry.action == "decision.recorded")
            )
        ).all()
    assert warning in json.loads(detail)["warnings"][0]


async def test_an_endorsement_that_ages_past_12_months_during_the_review_is_warned_of_on_the_post(
    slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    """Registered 2 March 2026, voting until 16 March: an endorsement of 10 March 2025 is 11
    months old when the post goes up and more than 12 before the deadline."""
    errors = await _register(slack, standin, date(2026, 3, 2), endorsement_date=date(2025, 3, 10))
    assert errors is None
    await standin.wait_until(lambda: "deadline" in (posts(standin) or [""])[0])
    [post] = posts(standin)
    assert (
        "The endorsement was given on 10 March 2025: it will be more than 12 months old by the "
        "review deadline (16 March 2026): ask the local group to endorse the application again."
    ) in post.replace("*", "")


async def test_the_decision_checks_again_that_the_strategy_lasts_the_term(
    slack: SignedSlackClient, standin: SlackStandIn, clock: FixedClock
) -> None:
    """Registered 2 March 2026, the strategy runs to 10 March 2029: it outlasts a term that
    would end on 2 March 2029, not one approved on 23 March 2026 (to 23 March 2029)."""
    errors = await _register(
        slack,
        standin,
        date(2026, 3, 2),
        strategy_start=date(2026, 2, 1),
        strategy_end=date(2029, 3, 10),
    )
    assert errors is None
    await standin.wait_until(lambda: bool(standin.messages()))
    assert "The strategy ends" not in posts(standin)[0]
    assert "The strategy ends" not in await _decision_form_text(slack, standin)

    clock.advance(timedelta(days=21))
    form = await _decision_form_text(slack, standin)
    assert (
        "The strategy ends on 10 March 2029, before the membership would end (23 March 2029)"
        in form
    )


async def test_a_renewal_warns_when_the_strategy_ends_within_the_next_term(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    """The renewed term runs three years from the current term's end (31 May 2026)."""
    await seed(
        bot.deps.sessions,
        ends_on=date(2026, 5, 31),
        at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        strategy_start=date(2023, 4, 1),
        strategy_end=date(2028, 4, 1),
    )
    await post_renewal_nags(bot.deps, bot.client, now=bot.deps.clock.now())
    [nag] = standin.messages()
    await slack.block_action(STAFF, ids.OPEN_RENEWAL, message_ts=nag.ts)
    await standin.wait_for("views.open")
    view = standin.last_view(STAFF)
    assert view is not None
    renewal = RENEWAL_ANSWERS | {"endorsement_date": date(2026, 2, 20)}
    await slack.view_submission(STAFF, view, slack.fill_view_state(view, renewal))
    await standin.wait_until(lambda: len(standin.messages()) == 2)
    post = posts(standin)[-1].replace("*", "")
    assert "The strategy ends on 1 April 2028, before the membership would end (1 June 2029)" in (
        post
    )
    assert "endorsement was given" not in post
