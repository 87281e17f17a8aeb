"""The demo's last chapters: three years less 90 days on, the renewal nag appears, and the
council re-applies."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlmodel import col, or_, select

from bot.demo.story import STAFF_ID, Story
from bot.domain import ids
from bot.domain.terms import years_later
from models.tables import Council, Membership
from scheduler.renewals import post_renewal_nags


async def newest_membership(story: Story) -> tuple[Membership, str]:
    """The newest term of `story.facts["council"]` (its id, name, code or row); read only.

    Raises if the story has no such council or membership: the chapter must not pass silently.
    """
    council = story.facts.get("council")
    if council is None:
        raise RuntimeError("the renewals chapter needs story.facts['council'] from the decision")
    if isinstance(council, Council):
        council = council.id
    condition = (
        col(Council.id) == council
        if isinstance(council, int)
        else or_(col(Council.name) == str(council), col(Council.code) == str(council))
    )
    async with story.runtime.deps.sessions() as session:
        row = (
            await session.exec(
                select(Membership, Council.name)
                .join(Council, col(Council.id) == col(Membership.council_id))
                .where(condition)
                .order_by(col(Membership.ends_on).desc(), col(Membership.id).desc())
                .limit(1)
            )
        ).first()
    if row is None:
        raise RuntimeError(
            f"no membership of {council!r} to renew: the decision chapter should have created one"
        )
    membership, name = row
    return membership, name


async def renewals_chapter(story: Story) -> None:
    membership, council_name = await newest_membership(story)
    nag_day = membership.ends_on - timedelta(days=90)
    story.clock.set(datetime.combine(nag_day, time(9, 0), tzinfo=UTC))
    story.chapter("Three years less 90 days later: time to renew")
    story.say(
        f"The clock moves to {nag_day:%d %B %Y}, 90 days before {council_name}'s term ends. "
        "The hourly renewal scan runs."
    )
    before = len(story.slack.messages())
    report = await post_renewal_nags(story.runtime.deps, story.runtime.client)
    if not report.sent or len(story.slack.messages()) <= before:
        raise RuntimeError(f"the renewal scan posted no nag:\n{report}")
    story.show_channel("The working-group channel: the renewal nag")

    story.say("Sam asks what else ends soon: `/sanctuary renewals`.")
    responses = len(story.slack.responses())
    reply = await story.client.slash_command(STAFF_ID, "renewals")
    if reply.status != 200:
        raise RuntimeError(f"the bot answered HTTP {reply.status} to /sanctuary renewals")
    await story.slack.wait_until(lambda: len(story.slack.responses()) > responses)
    body = story.slack.responses()[-1].body
    story.show_private("Sam", str(body.get("text", "")), body.get("blocks"))
    await _reapply(story)


def _renewal_nag_ts(story: Story) -> str:
    """The newest renewal nag in the channel (it carries the "Start renewal" button)."""
    for message in reversed(story.slack.messages()):
        for block in message.blocks or []:
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if element.get("action_id") == ids.OPEN_RENEWAL:
                    return message.ts
    raise RuntimeError("no renewal nag in the channel to start the renewal from")


async def _reapply(story: Story) -> None:
    """Sam starts the renewal from the nag: the form comes prefilled; Sam adds the council's
    account of its term and what is new; the renewal post shows what changed."""
    nag_ts = _renewal_nag_ts(story)
    today = story.clock.now().date()
    story.say(
        "Sam presses *Start renewal application* on the nag. The form opens with the evidence "
        "of the last approved application, and asks what the council did during its term and "
        "how it responded to new guidance."
    )
    opened = len(story.slack.calls("views.open"))
    await story.client.block_action(STAFF_ID, ids.OPEN_RENEWAL, message_ts=nag_ts)
    await story.slack.wait_for("views.open", count=opened + 1)
    view = story.slack.last_view(STAFF_ID)
    if view is None:
        raise RuntimeError("the renewal form did not open")
    strategy_start = today - timedelta(days=30)
    answers = {
        "term_activity": "Resettled 120 people through the UK resettlement scheme; opened a "
        "welcome hub in the central library; funded ESOL classes with the local group.",
        "guidance_response": "Reviewed the strategy against the 2027 national guidance on "
        "asylum accommodation, and added a section on dispersal.",
        "endorsement_date": today - timedelta(days=14),
        "strategy_url": "https://www.sheffield.gov.uk/sanctuary-strategy-2028",
        "strategy_start": strategy_start,
        "strategy_end": years_later(strategy_start, 5),
    }
    story.say(
        "The local group endorsed the renewal two weeks ago and the council adopted a new "
        "five-year strategy last month: Sam updates those, answers the two questions, and "
        "submits."
    )
    before = len(story.slack.messages())
    state = story.client.fill_view_state(view, answers)
    await story.client.view_submission(STAFF_ID, view, state)
    if story.slack.view_errors(view["id"]):
        raise RuntimeError(f"the renewal was refused: {story.slack.view_errors(view['id'])}")
    await story.slack.wait_until(lambda: len(story.slack.messages()) > before)
    story.show_channel("The working-group channel: the renewal, with what changed since")
