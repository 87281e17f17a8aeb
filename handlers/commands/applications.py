"""`/sanctuary apply` (staff) opens the registration modal; `/sanctuary status <council>`."""

from __future__ import annotations

from bot.blocks.registration import build_application_modal
from bot.blocks.status import build_status
from bot.domain.dates import local_date
from bot.sending.slack_errors import SLACK_FAILURES, form_not_opened
from bot.services.councils import find_councils
from bot.services.status import MAX_COUNCILS, council_status
from handlers.commands.dispatch import CommandCall, subcommand


@subcommand("apply", staff_only=True)
async def open_registration(call: CommandCall) -> None:
    # The origin channel rides along, so that the outcome can be told there, ephemerally.
    view = build_application_modal(private_metadata=str(call.body.get("channel_id") or ""))
    try:
        await call.client.views_open(trigger_id=call.trigger_id, view=view)
    except SLACK_FAILURES as error:
        await call.reply(form_not_opened(error))


@subcommand("status")
async def show_status(call: CommandCall) -> None:
    if not call.args:
        await call.reply("Which council? For example: `/sanctuary status Sheffield`.")
        return
    async with call.deps.sessions() as session:
        found = await find_councils(session, call.args)
        statuses = [await council_status(session, c) for c in found[:MAX_COUNCILS]]
    settings = call.deps.settings
    text, blocks = build_status(
        call.args,
        statuses,
        total=len(found),
        rules=settings.rules,
        timezone=settings.timezone,
        today=local_date(call.deps.clock.now(), settings.timezone),
    )
    await call.reply(text, blocks)
