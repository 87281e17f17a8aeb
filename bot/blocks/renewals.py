"""Renewal nags in the working-group channel, and the `/sanctuary renewals` list."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.blocks import button_value
from bot.blocks.call_to_action import call_to_action
from bot.blocks.mentions import mention
from bot.domain import ids
from bot.domain.dates import day
from bot.domain.escape import mrkdwn, truncate
from bot.domain.terms import MembershipState
from bot.services.renewals import LAPSED_LISTED_DAYS, RenewalRow

SECTION_LIMIT = 3000
MAX_LISTED = 100


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def build_renewal_nag(
    *,
    council_name: str,
    ends_on: date,
    today: date,
    offset_days: int,
    registered_by: str | None,
    membership_id: int,
) -> tuple[str, list[Block]]:
    """The nag for one term: when it ends, who registered it, and a button to start the renewal.

    The wording follows the days actually left, so a nag posted late (catch-up) is still true.
    """
    council = mrkdwn(truncate(council_name, 200))
    days_left = (ends_on - today).days
    if days_left > 0:
        headline = (
            f"*{council}*: membership of the Local Authority Network ends in "
            f"{_days(days_left)}, on {day(ends_on)}."
        )
    elif days_left == 0:
        headline = (
            f"*{council}*: membership of the Local Authority Network ends today, "
            f"{day(ends_on)}. Without a renewal approved today it lapses tomorrow."
        )
    else:
        headline = (
            f"*{council}*: membership of the Local Authority Network has lapsed: its term "
            f"ended on {day(ends_on)}, {_days(-days_left)} ago, without a renewal."
        )
    if registered_by:
        who = f"{mention(registered_by)}, you registered its application: time to renew it."
    else:
        who = "No member of staff is on record for it (an imported membership): who can take it?"
    text = f"Renewal reminder. {headline} {who}"
    when = "on the day the term ends" if offset_days == 0 else f"{offset_days} days before the end"
    blocks = call_to_action(
        f":hourglass: {headline}\n{who}",
        button="Start renewal application",
        action_id=ids.OPEN_RENEWAL,
        value=button_value.encode_id(membership_id),
        note=f"Renewal reminder ({when}). The form opens with the current evidence.",
    )
    return text, blocks


def _row_line(row: RenewalRow) -> str:
    council = mrkdwn(truncate(row.council_name, 200))
    if row.days_left > 0:
        when = f"ends {day(row.ends_on)} (in {_days(row.days_left)})"
    elif row.days_left == 0:
        when = f"ends today, {day(row.ends_on)}"
    else:
        when = f"ended {day(row.ends_on)} ({_days(-row.days_left)} ago)"
    state = row.state.value
    if row.state is MembershipState.RENEWED and row.next_term_ends_on is not None:
        state += f", next term to {day(row.next_term_ends_on)}"
    return f"• *{council}*: {when} · _{state}_"


def build_renewals_list(
    rows: Sequence[RenewalRow], *, days: int, today: date
) -> tuple[str, list[Block]]:
    """Memberships ending within `days`, soonest first, with days left and state."""
    heading = f"Memberships ending in the next {_days(days)} (from {day(today)})"
    if not rows:
        text = f"No membership ends in the next {_days(days)}, and none has lapsed recently."
        return text, [SectionBlock(text=MarkdownTextObject(text=text))]
    lines = [_row_line(row) for row in rows[:MAX_LISTED]]
    blocks: list[Block] = []
    chunk = f"*{heading}*, soonest first:"
    for line in lines:
        if len(chunk) + 1 + len(line) > SECTION_LIMIT:
            blocks.append(SectionBlock(text=MarkdownTextObject(text=chunk)))
            chunk = line
        else:
            chunk += "\n" + line
    blocks.append(SectionBlock(text=MarkdownTextObject(text=chunk)))
    footer = f"Terms that lapsed in the last {LAPSED_LISTED_DAYS} days are listed too."
    if len(rows) > MAX_LISTED:
        footer = f"And {len(rows) - MAX_LISTED} more: ask for fewer days. " + footer
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=footer)]))
    text = f"{heading}: {len(rows)} listed. " + "; ".join(
        f"{mrkdwn(row.council_name)} {row.state.value} ({day(row.ends_on)})"
        for row in rows[:MAX_LISTED]
    )
    return truncate(text, 3000), blocks
