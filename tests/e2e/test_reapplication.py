"""Re-application as the seed means it (issue 13, item 2): a renewal tells what the council did
during its term and how it met new guidance, and its post shows the previous term and what
changed since the last approved application; a council whose last term ended 12 months ago or
more applies anew."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlmodel import select

from bot.domain import ids
from bot.domain.clock import FixedClock
from bot.runtime import Runtime
from bot.standin import SignedSlackClient, SlackStandIn
from models.tables import Application, ApplicationKind
from scheduler.renewals import post_renewal_nags
from tests.conftest import STAFF, START
from tests.e2e.test_registration import answers, open_modal, pick, posts, submit
from tests.membership_factory import seed

RENEWAL_ANSWERS = {
    "term_activity": "Resettled 40 families; a welcome hub in the central library.",
    "guidance_response": "Adopted the Home Office's 2025 dispersal guidance within six months.",
}


@pytest.fixture(autouse=True)
def _slack_saw_nothing_wrong(standin: SlackStandIn) -> Iterator[None]:
    yield
    assert standin.warnings == []


async def _renewal_form(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn, **seeded: Any
) -> dict[str, Any]:
    """A term ending 31 May 2026, its 90-day nag, and the renewal form staff open from it."""
    await seed(bot.deps.sessions, ends_on=date(2026, 5, 31), at=START, **seeded)
    await post_renewal_nags(bot.deps, bot.client, now=START)
    [nag] = standin.messages()
    await slack.block_action(STAFF, ids.OPEN_RENEWAL, message_ts=nag.ts)
    await standin.wait_for("views.open")
    view = standin.last_view(STAFF)
    assert view is not None
    return view


async def test_a_renewal_needs_the_terms_activity_and_the_response_to_new_guidance(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    view = await _renewal_form(bot, slack, standin)
    await slack.view_submission(STAFF, view, slack.fill_view_state(view, {}))
    errors = standin.view_errors(view["id"])
    assert errors is not None
    assert set(errors) == {"term_activity", "guidance_response"}
    assert "what the council did during its term" in errors["term_activity"]
    assert "new guidance" in errors["guidance_response"]
    assert len(standin.messages()) == 1  # the nag only

    await slack.view_submission(STAFF, view, slack.fill_view_state(view, RENEWAL_ANSWERS))
    await standin.wait_until(lambda: len(standin.messages()) == 2)
    async with bot.deps.sessions() as session:
        renewal = (
            await session.exec(select(Application).where(Application.kind == "renewal"))
        ).one()
    assert renewal.term_activity == RENEWAL_ANSWERS["term_activity"]
    assert renewal.guidance_response == RENEWAL_ANSWERS["guidance_response"]
    post = posts(standin)[-1].replace("*", "")
    assert RENEWAL_ANSWERS["term_activity"] in post
    assert RENEWAL_ANSWERS["guidance_response"] in post


async def test_the_renewal_post_shows_the_previous_term_and_what_changed_field_by_field(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    view = await _renewal_form(bot, slack, standin)
    changed = {
        "endorsement_date": date(2026, 2, 20),
        "endorsed_by": "City of Sanctuary Sheffield trustees",
        "strategy_url": "https://www.example.gov.uk/sanctuary-strategy-2026",
        "councillor_name": "Cllr Sam New",  # a contact: never on the post
    }
    await slack.view_submission(STAFF, view, slack.fill_view_state(view, RENEWAL_ANSWERS | changed))
    await standin.wait_until(lambda: len(standin.messages()) == 2)
    post = posts(standin)[-1].replace("*", "")
    assert "Renewal: Sheffield City Council" in post
    assert "Previous term: 31 May 2023 to 31 May 2026" in post
    since = post.split("Changed since the last approved application")[1]
    since = since.split("Votes, round")[0]  # the section ends where the tally begins
    assert "endorsed by: City of Sanctuary Sheffield steering group → City of Sanctuary " in since
    assert "endorsement date: 1 May 2023 → 20 February 2026" in since
    assert "strategy link:" in since and "sanctuary-strategy-2026" in since
    for unchanged in ("motion", "charter", "joint work", "strategy end", "councillor"):
        assert unchanged not in since, unchanged
    assert "Cllr Sam New" not in since


async def test_an_imported_membership_has_no_earlier_application_on_record(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    view = await _renewal_form(bot, slack, standin, registered_by=None)
    # Only the council and the strategy link are known: staff fill in the rest.
    everything = answers(date(2026, 3, 2)) | RENEWAL_ANSWERS
    everything.pop("strategy_url")
    await slack.view_submission(STAFF, view, slack.fill_view_state(view, everything))
    await standin.wait_until(lambda: len(standin.messages()) == 2)
    post = posts(standin)[-1].replace("*", "")
    assert "Renewal: Sheffield City Council" in post
    assert "Previous term: 31 May 2023 to 31 May 2026" in post
    assert "No earlier application on record" in post
    assert "Changed since" not in post


async def _apply_for_sheffield(
    slack: SignedSlackClient, standin: SlackStandIn, **overrides: Any
) -> dict[str, str] | None:
    view = await open_modal(slack, standin)
    option = await pick(slack, view, "sheff")
    return await submit(slack, view, answers(date(2026, 3, 2), council=option, **overrides))


async def test_a_council_whose_last_term_ended_12_months_ago_or_more_applies_anew(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    # The clock says 2 March 2026; the term ended on 1 March 2025: twelve months ago.
    await seed(bot.deps.sessions, ends_on=date(2025, 3, 1), at=START)
    assert await _apply_for_sheffield(slack, standin) is None
    await standin.wait_until(lambda: bool(standin.messages()))
    post = posts(standin)[-1].replace("*", "")
    assert "New application: Sheffield City Council" in post
    assert (
        "Sheffield City Council was a member before: its last term ran from 1 March 2022 to "
        "1 March 2025" in post
    )
    assert "Changed since" not in post
    async with bot.deps.sessions() as session:
        application = (await session.exec(select(Application))).all()[-1]
    assert application.kind == ApplicationKind.NEW
    assert application.renewal_of_id is None


async def test_a_council_whose_term_ended_less_than_12_months_ago_renews(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    term = await seed(bot.deps.sessions, ends_on=date(2025, 3, 2), at=START)
    # Through /sanctuary apply, the renewal's questions are asked on the form too.
    errors = await _apply_for_sheffield(slack, standin)
    assert errors is not None and set(errors) == {"term_activity", "guidance_response"}
    assert standin.messages() == []

    assert await _apply_for_sheffield(slack, standin, **RENEWAL_ANSWERS) is None
    await standin.wait_until(lambda: bool(standin.messages()))
    post = posts(standin)[-1].replace("*", "")
    assert "Renewal: Sheffield City Council" in post
    assert "Previous term: 2 March 2022 to 2 March 2025" in post
    async with bot.deps.sessions() as session:
        application = (await session.exec(select(Application))).all()[-1]
    assert application.kind == ApplicationKind.RENEWAL
    assert application.renewal_of_id == term.id


async def test_a_new_application_form_does_not_ask_for_the_renewal_answers(
    slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    assert await _apply_for_sheffield(slack, standin) is None
    await standin.wait_until(lambda: bool(standin.messages()))
    post = posts(standin)[-1].replace("*", "")
    assert "New application: Sheffield City Council" in post
    assert "was a member before" not in post and "Previous term" not in post


async def test_the_clock_decides_when_a_lapsed_term_stops_counting(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn, clock: FixedClock
) -> None:
    """A term whose last day was 2 March 2025: a renewal up to 2 March 2026, new from 3 March."""
    await seed(bot.deps.sessions, ends_on=date(2025, 3, 2), at=START)
    errors = await _apply_for_sheffield(slack, standin)
    assert errors is not None and "term_activity" in errors
    clock.set(datetime(2026, 3, 3, 10, 0, tzinfo=UTC))
    errors = await _apply_for_sheffield(slack, standin)
    assert errors is None
    await standin.wait_until(lambda: bool(standin.messages()))
    assert "New application: Sheffield City Council" in posts(standin)[-1]


async def test_editing_a_renewal_keeps_its_account_of_the_term_required(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    view = await _renewal_form(bot, slack, standin)
    await slack.view_submission(STAFF, view, slack.fill_view_state(view, RENEWAL_ANSWERS))
    await standin.wait_until(lambda: len(standin.messages()) == 2)
    post = standin.messages()[-1]
    opened = len(standin.calls("views.open"))
    await slack.block_action(STAFF, ids.EDIT_APPLICATION, message_ts=post.ts)
    await standin.wait_for("views.open", count=opened + 1)
    edit = standin.last_view(STAFF)
    assert edit is not None
    inputs = {b["block_id"]: b for b in edit["blocks"] if b.get("type") == "input"}
    assert inputs["term_activity"]["optional"] is False
    assert inputs["term_activity"]["element"]["initial_value"] == RENEWAL_ANSWERS["term_activity"]
    await slack.view_submission(STAFF, edit, slack.fill_view_state(edit, {"term_activity": ""}))
    errors = standin.view_errors(edit["id"])
    assert errors is not None and set(errors) == {"term_activity"}


async def test_an_endorser_newly_named_in_slack_shows_as_a_mention_among_the_changes(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    view = await _renewal_form(bot, slack, standin)
    endorser = "U0GROUP001"
    changed = {"endorser_user_id": endorser, "endorsement_date": None}
    await slack.view_submission(STAFF, view, slack.fill_view_state(view, RENEWAL_ANSWERS | changed))
    assert standin.view_errors(view["id"]) is None
    await standin.wait_until(lambda: len(standin.messages()) == 2)
    since = posts(standin)[-1].replace("*", "")
    since = since.split("Changed since the last approved application")[1].split("Votes, round")[0]
    assert f"endorser in Slack: _none_ → @{endorser}" in since
    raw = str(standin.messages()[-1].blocks)
    assert f"_none_ → <@{endorser}>" in raw  # a real mention, built from the user id
