"""From a renewal nag to a renewal application: the button opens the form prefilled."""

from __future__ import annotations

from datetime import date

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import select

from bot.domain import ids
from bot.runtime import Runtime
from bot.standin import BOT_TOKEN, SignedSlackClient, SlackStandIn, fill_view_state
from models.tables import Application, ApplicationKind
from scheduler.renewals import post_renewal_nags
from tests.conftest import OUTSIDER, STAFF, START
from tests.membership_factory import seed


async def _nag(bot: Runtime, standin: SlackStandIn) -> tuple[str, str]:
    membership = await seed(bot.deps.sessions, ends_on=date(2026, 5, 31), at=START)
    await post_renewal_nags(bot.deps, bot.client, now=START)  # 90 days before the end
    [nag] = [m for m in standin.messages() if "ends in 90 days" in m.text]
    return nag.ts, str(membership.id)


def _input(view: dict[str, object], block_id: str) -> dict[str, object]:
    for block in view["blocks"]:  # type: ignore[attr-defined]
        if block.get("block_id") == block_id:
            return block["element"]  # type: ignore[no-any-return]
    raise AssertionError(f"no input {block_id}")


async def test_staff_renew_from_the_nag_with_the_evidence_prefilled(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    nag_ts, membership_id = await _nag(bot, standin)

    await slack.block_action(STAFF, ids.OPEN_RENEWAL, message_ts=nag_ts)
    await standin.wait_for("views.open")  # opened after the ack
    view = standin.last_view(STAFF)
    assert view is not None
    assert view["callback_id"] == ids.APPLY_VIEW
    council = _input(view, ids.COUNCIL_BLOCK)["initial_option"]
    assert council["value"] == "E08000019"  # type: ignore[index]
    strategy = _input(view, "strategy_url")
    assert strategy["initial_value"] == "https://www.example.gov.uk/sanctuary-strategy"
    assert _input(view, "councillor_name")["initial_value"] == "Cllr Jane Doe"

    # The evidence stands; a renewal also says what the council did during its term and how
    # it responded to new guidance.
    renewal = {
        "term_activity": "Resettled 40 families; a welcome hub in the central library.",
        "guidance_response": "Adopted the 2025 dispersal guidance within six months.",
    }
    await slack.view_submission(STAFF, view, fill_view_state(view, renewal))
    await standin.wait_until(
        lambda: any("Renewal: Sheffield City Council" in m.text for m in standin.messages())
    )
    async with bot.deps.sessions() as session:
        application = (
            await session.exec(select(Application).where(Application.kind == "renewal"))
        ).one()
    assert application.kind == ApplicationKind.RENEWAL
    assert str(application.renewal_of_id) == membership_id
    assert (
        application.term_activity == "Resettled 40 families; a welcome hub in the central library."
    )

    # A second click does not start a second application.
    await slack.block_action(STAFF, ids.OPEN_RENEWAL, message_ts=nag_ts)
    await standin.wait_until(lambda: "already has an open application" in str(standin.responses()))


async def test_only_staff_can_start_a_renewal(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    nag_ts, _ = await _nag(bot, standin)
    views_before = len(standin.calls("views.open"))
    await slack.block_action(OUTSIDER, ids.OPEN_RENEWAL, message_ts=nag_ts)
    await standin.wait_until(lambda: bool(standin.responses()))
    body = standin.responses()[-1].body
    assert body["response_type"] == "ephemeral"
    assert "is for City of Sanctuary UK staff" in body["text"]
    assert len(standin.calls("views.open")) == views_before


async def test_staff_are_told_when_slack_will_not_open_the_form(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    nag_ts, _ = await _nag(bot, standin)
    standin.fail_next("views.open", error="expired_trigger_id")
    await slack.block_action(STAFF, ids.OPEN_RENEWAL, message_ts=nag_ts)
    await standin.wait_until(lambda: bool(standin.responses()))
    body = standin.responses()[-1].body
    assert body["response_type"] == "ephemeral"
    assert "Slack did not open the form" in body["text"]


async def test_a_nag_slack_answered_too_late_is_not_posted_again(
    bot: Runtime, standin: SlackStandIn
) -> None:
    """A time-out may hide a success: the claim is kept (its lease decides), not given back."""
    await seed(bot.deps.sessions, ends_on=date(2026, 5, 31), at=START)
    impatient = AsyncWebClient(token=BOT_TOKEN, base_url=standin.api_url, timeout=0.3)
    standin.fail_next("chat.postMessage", error=None, delay=0.6)  # posted, but answered late
    report = await post_renewal_nags(bot.deps, impatient, now=START)
    assert report.failed
    await standin.wait_until(lambda: len(standin.messages()) == 1)
    await post_renewal_nags(bot.deps, bot.client, now=START)
    assert len(standin.messages()) == 1
