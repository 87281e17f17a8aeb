"""The demo's last chapter: three years less 90 days on, the renewal nag appears."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlmodel import col, or_, select

from bot.demo.story import STAFF_ID, Story
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
