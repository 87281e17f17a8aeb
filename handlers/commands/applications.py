"""`/sanctuary apply` (staff) opens the registration modal; `/sanctuary status <council>`."""

from __future__ import annotations

from bot.blocks.registration import build_application_modal
from bot.blocks.status import build_status
from bot.domain.refusals import Task
from bot.services.councils import find_councils
from bot.services.status import MAX_COUNCILS, council_status
from bot.services.visibility import viewer
from handlers.commands.dispatch import CommandCall, subcommand


@subcommand("apply", staff_only=Task.REGISTER)
async def open_registration(call: CommandCall) -> None:
    # The origin channel rides along, so that the outcome can be told there, ephemerally.
    await call.open_form(build_application_modal(private_metadata=call.caller.channel or ""))


@subcommand("status")
async def show_status(call: CommandCall) -> None:
    if not call.args:
        await call.reply("Which council? For example: `/sanctuary status Sheffield`.")
        return
    async with call.deps.sessions() as session:
        found = await find_councils(session, call.args)
        who = await viewer(session, call.user_id, call.deps.settings.staff)
        statuses = [await council_status(session, c, who) for c in found[:MAX_COUNCILS]]
    settings = call.deps.settings
    text, blocks = build_status(
        call.args,
        statuses,
        total=len(found),
        rules=settings.rules,
        timezone=settings.timezone,
        now=call.deps.clock.now(),
    )
    await call.reply(text, blocks)
