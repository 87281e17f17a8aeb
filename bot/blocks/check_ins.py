"""Check-ins between reviews: the channel message inviting staff to log a council's progress,
the short form they log it with (and its codec), and the progress as the renewal post shows it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
    UrlInputElement,
)
from slack_sdk.models.views import View

from bot.blocks import button_value, modal_state
from bot.blocks.call_to_action import call_to_action
from bot.blocks.mentions import mention
from bot.domain import ids
from bot.domain.dates import day, local_date
from bot.domain.escape import link, mrkdwn, truncate
from bot.domain.refusals import Refused
from bot.services.check_ins import WHAT_MAX
from models.tables import CheckIn

_BLOCKS = {"what": ids.CHECK_IN_WHAT_BLOCK, "url": ids.CHECK_IN_URL_BLOCK}


def build_check_in(
    *, council_name: str, months: int, starts_on: date, ends_on: date, membership_id: int
) -> tuple[str, list[Block]]:
    """The channel message 12 or 24 months into a term: a button for staff to log progress."""
    council = mrkdwn(truncate(council_name, 200))
    headline = (
        f"*{council}*: {months} months into its membership of the Local Authority Network "
        f"(since {day(starts_on)}, until {day(ends_on)}). How is it developing its work as a "
        "place of sanctuary?"
    )
    text = f"Check-in. {headline} Staff: log its progress."
    blocks = call_to_action(
        f":seedling: {headline}",
        button="Log progress",
        action_id=ids.LOG_PROGRESS,
        value=button_value.encode_id(membership_id),
        note=f"Check-in ({months} months into the term). Staff log what the council did; it "
        "shows in its history, on Home and on its renewal post.",
    )
    return text, blocks


def build_progress_modal(membership_id: int, council: str) -> View:
    return View(
        type="modal",
        callback_id=ids.CHECK_IN_VIEW,
        private_metadata=button_value.encode_id(membership_id),
        title="Log progress",
        submit="Log it",
        close="Cancel",
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"What has *{mrkdwn(truncate(council, 200))}* done as a place of "
                    "sanctuary since it joined, or since the last check-in?"
                )
            ),
            InputBlock(
                block_id=ids.CHECK_IN_WHAT_BLOCK,
                label="What happened",
                element=PlainTextInputElement(
                    action_id=ids.CHECK_IN_WHAT_BLOCK, multiline=True, max_length=WHAT_MAX
                ),
            ),
            InputBlock(
                block_id=ids.CHECK_IN_URL_BLOCK,
                label="Link (optional)",
                optional=True,
                element=UrlInputElement(action_id=ids.CHECK_IN_URL_BLOCK, placeholder="https://"),
            ),
        ],
    )


def read_progress(view: Mapping[str, Any]) -> tuple[str, str]:
    """(what happened, the link) as typed into `build_progress_modal`."""
    what = modal_state.text(view, ids.CHECK_IN_WHAT_BLOCK, ids.CHECK_IN_WHAT_BLOCK)
    return what, modal_state.text(view, ids.CHECK_IN_URL_BLOCK, ids.CHECK_IN_URL_BLOCK)


def progress_errors(view: Mapping[str, Any], refused: Refused) -> dict[str, str]:
    """A refused check-in, on the input at fault."""
    return modal_state.errors(view, refused, lambda field: _BLOCKS.get(field, field))


def progress_line(check_in: CheckIn, tz: ZoneInfo, *, council: str | None = None) -> str:
    """`• 3 March 2027, @Sam: what happened · link` (with the council, on Home)."""
    where = f"*{mrkdwn(truncate(council, 100))}*: " if council else ""
    shown = f" · {link(check_in.url, 'link')}" if check_in.url else ""
    when = day(local_date(check_in.logged_at, tz))
    what = mrkdwn(truncate(check_in.what, 400))
    return f"• {where}{when}, {mention(check_in.logged_by)}: {what}{shown}"


def logged(council: str) -> str:
    """What staff are told after logging progress."""
    return (
        f"Logged the progress of *{mrkdwn(truncate(council, 150))}*. It is in "
        f"`{ids.COMMAND} history`, on Home, and will show on its renewal post."
    )


def progress_section(check_ins: Sequence[CheckIn], tz: ZoneInfo) -> str:
    """The renewal post's list of progress logged during the term being renewed."""
    if not check_ins:
        return "*Progress logged during the last term:* none was logged at the check-ins."
    lines = [progress_line(c, tz) for c in check_ins[-10:]]
    more = f"\n_…and {len(check_ins) - 10} earlier_" if len(check_ins) > 10 else ""
    return "*Progress logged during the last term*\n" + "\n".join(lines) + more
