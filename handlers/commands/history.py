"""`/sanctuary history <council>`: a council's timeline."""

from __future__ import annotations

from bot.blocks.history import build_council_choices, build_history
from bot.domain import ids
from bot.domain.escape import mrkdwn, truncate
from bot.services.councils import find_councils
from bot.services.history import council_history, rounds_voting_blind
from bot.services.visibility import viewer
from handlers.commands.dispatch import CommandCall, subcommand


@subcommand("history")
async def show_history(call: CommandCall) -> None:
    if not call.args:
        await call.reply(f"Which council? For example `{ids.COMMAND} history Sheffield`.")
        return
    settings = call.deps.settings
    async with call.deps.sessions() as session:
        councils = await find_councils(session, call.args)
        if len(councils) == 1:
            council = councils[0]
            assert council.id is not None
            who = await viewer(session, call.user_id, call.deps.settings.staff)
            blind = await rounds_voting_blind(
                session, council.id, settings.rules, call.deps.clock.now()
            )
            items = await council_history(session, council.id, who, blind)
    if not councils:
        await call.reply(
            f"I can't find a council matching “{mrkdwn(truncate(call.args, 80))}”. "
            "Try part of its name or its code (such as E08000019)."
        )
        return
    if len(councils) > 1:
        await call.reply(build_council_choices(call.args, councils))
        return
    text, blocks = build_history(council, items, tz=settings.timezone)
    await call.reply(text, blocks)
