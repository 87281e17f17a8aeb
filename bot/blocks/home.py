"""The App Home tab: what awaits the person, the pipeline for staff, the size of the network."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks.packing import pack_lines
from bot.domain import ids
from bot.domain.constituencies import describe
from bot.domain.dates import day, local_date
from bot.domain.escape import mrkdwn
from bot.services.home import HomeData, OpenItem

MAX_HOME_BLOCKS = 100
LIST_BLOCKS = 6  # per list: no list can crowd out the others
LIST_LINES = 25
_OUTCOMES = {
    "approved": "Approved",
    "further_work": "Further work requested",
    "declined": "Declined",
}


def _more(n: int) -> str:
    return f"_…and {n} more_"


def _deadline(item: OpenItem, tz: ZoneInfo, today: date, now: datetime) -> str:
    if item.deadline_at is None:
        return "no deadline yet"
    if now >= item.deadline_at:
        return f"voting closed on {day(local_date(item.deadline_at, tz))}, awaiting decision"
    due = local_date(item.deadline_at, tz)
    days = (due - today).days
    when = (
        "today"
        if days == 0
        else "tomorrow"
        if days == 1
        else f"in {days} days"
        if days > 1
        else "passed"
    )
    return f"deadline {day(due)} ({when})"


def _list(title: str, lines: list[str], empty: str) -> list[Block]:
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=f"*{title}*"))]
    if not lines:
        return [*blocks, ContextBlock(elements=[MarkdownTextObject(text=empty)])]
    return blocks + pack_lines(lines, max_blocks=LIST_BLOCKS, more=_more, max_lines=LIST_LINES)


def build_home(data: HomeData, *, tz: ZoneInfo, now: datetime) -> View:
    """The Home view for one person, within Slack's 100 blocks."""
    today = local_date(now, tz)
    size = data.network_size
    blocks: list[Block] = [
        HeaderBlock(text="Local Authority Network"),
        SectionBlock(
            text=MarkdownTextObject(
                text=f"The network has *{size}* member council{'s' if size != 1 else ''} today. "
                f"`{ids.COMMAND} list` shows the register."
            )
        ),
    ]
    if data.constituency is not None:
        blocks.append(DividerBlock())
        blocks += _list(
            "Waiting for your vote",
            [
                f"• *{mrkdwn(i.council)}* (round {i.round}): {_deadline(i, tz, today, now)}"
                for i in data.awaiting_vote
            ],
            "Nothing is waiting for your vote. Thank you!",
        )
        if data.recused_from:
            blocks += _list(
                "You are recused from",
                [f"• {mrkdwn(i.council)}" for i in data.recused_from],
                "",
            )
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"You are on the working group for {describe(data.constituency)}."
                    )
                ]
            )
        )
    elif data.staff is None:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text="You are not on the working-group roster. Staff can add you with "
                        f"`{ids.COMMAND} group add`."
                    )
                ]
            )
        )
    staff = data.staff
    if staff is not None:
        blocks += [DividerBlock(), HeaderBlock(text="Pipeline (staff)")]
        blocks += _list(
            "Under review",
            [
                f"• *{mrkdwn(i.council)}* (round {i.round}): {_deadline(i, tz, today, now)}; "
                f"{i.votes} vote{'s' if i.votes != 1 else ''}; "
                + (
                    "quorum met"
                    if i.quorum is None or i.quorum.met
                    else "missing " + "; ".join(i.quorum.missing)
                )
                for i in staff.under_review
            ],
            "Nothing is under review.",
        )
        blocks += _list(
            "Waiting for evidence (further work requested)",
            [f"• {mrkdwn(i.council)} (after round {i.round})" for i in staff.further_work],
            "No application is waiting for further work.",
        )
        blocks += _list(
            "Decided in the last 30 days",
            [
                f"• {mrkdwn(d.council)}: {_OUTCOMES.get(d.outcome, mrkdwn(d.outcome))} "
                f"on {day(local_date(d.decided_at, tz))}"
                for d in staff.decided_lately
            ],
            "No decisions in the last 30 days.",
        )
        blocks += _list(
            f"Memberships ending within {staff.ending_within_days} days",
            [
                f"• {mrkdwn(e.council)}: ends {day(e.ends_on)} (in {(e.ends_on - today).days} days)"
                for e in staff.ending_soon
            ],
            f"No membership ends within {staff.ending_within_days} days.",
        )
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"Updated {day(today)}.")]))
    assert len(blocks) <= MAX_HOME_BLOCKS  # at most 49: a few fixed blocks, 6 lists of 7
    return View(type="home", blocks=blocks)
