"""`/sanctuary list`: the public register."""

from __future__ import annotations

from bot.blocks.register import build_register
from bot.domain.dates import local_date
from bot.services.register import current_members
from handlers.commands.dispatch import CommandCall, subcommand


@subcommand("list")
async def show_register(call: CommandCall) -> None:
    deps = call.deps
    today = local_date(deps.clock.now(), deps.settings.timezone)
    async with deps.sessions() as session:
        entries = await current_members(session, today)
    text, blocks = build_register(entries, today=today)
    await call.reply(text, blocks)
