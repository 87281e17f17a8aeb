"""`/sanctuary renewals [days]`: memberships ending soon, for anyone in the workspace."""

from __future__ import annotations

from bot.blocks.renewals import build_renewals_list
from bot.domain import ids
from bot.domain.dates import local_date
from bot.domain.escape import mrkdwn, parse_id, truncate
from bot.services.renewals import ending_within
from handlers.commands.dispatch import CommandCall, subcommand

DEFAULT_DAYS = 90
MAX_DAYS = 3660  # ten years: more than any term


def parse_days(args: str) -> int | str:
    """The number of days asked for, or an error message (mrkdwn) saying what to type."""
    word = args.strip()
    if not word:
        return DEFAULT_DAYS
    days = parse_id(word)
    if days is not None and 1 <= days <= MAX_DAYS:
        return days
    return (
        f"`{ids.COMMAND} renewals` takes a number of days from 1 to {MAX_DAYS}, such as "
        f"`{ids.COMMAND} renewals 30` (or nothing, for {DEFAULT_DAYS}); "
        f"`{mrkdwn(truncate(word, 40))}` is not one."
    )


@subcommand("renewals")
async def show_renewals(call: CommandCall) -> None:
    days = parse_days(call.args)
    if isinstance(days, str):
        await call.reply(days)
        return
    settings = call.deps.settings
    today = local_date(call.deps.clock.now(), settings.timezone)
    async with call.deps.sessions() as session:
        rows = await ending_within(
            session, today, days, expiring_window_days=settings.rules.expiring_window_days
        )
    text, blocks = build_renewals_list(rows, days=days, today=today)
    await call.reply(text, blocks)
