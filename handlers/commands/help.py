"""`/sanctuary help`."""

from __future__ import annotations

from bot.blocks.help import build_help
from handlers.commands.dispatch import CommandCall, subcommand


@subcommand("help")
async def show_help(call: CommandCall) -> None:
    text, blocks = build_help(is_staff=call.is_staff)
    await call.reply(text, blocks)
