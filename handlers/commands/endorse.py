"""`/sanctuary endorse <council> <note>`: staff record an endorsement given outside Slack."""

from __future__ import annotations

from bot.blocks.endorsements import recorded
from bot.domain import ids
from bot.domain.escape import mrkdwn, truncate
from bot.domain.refusals import Refused, Task
from bot.sending import endorsements as sending
from bot.services import endorsements
from handlers.commands.dispatch import CommandCall, subcommand
from models.db import transaction

USAGE = f"`{ids.COMMAND} endorse <council> <how it was given>`"


@subcommand("endorse", staff_only=Task.RECORD_ENDORSEMENT)
async def endorse(call: CommandCall) -> None:
    deps = call.deps
    try:
        async with transaction(deps.sessions) as session:
            found = await endorsements.find_for_record(session, call.args)
            if found.application is None or found.application.id is None:
                await call.reply(_not_one(call.args, found))
                return
            change = await endorsements.record_outside(
                session,
                found.application.id,
                found.note,
                actor=call.user_id,
                staff=deps.settings.staff,
                now=deps.clock.now(),
                timezone=deps.settings.timezone,
            )
    except Refused as refused:
        await call.refuse(refused)
        return
    await call.reply(recorded(change))
    await sending.show(deps, call.client, change)


def _not_one(words: str, found: endorsements.Found) -> str:
    if not words.strip():
        return f"Which council, and how was it endorsed? {USAGE}."
    shown = mrkdwn(truncate(words, 80))
    if not found.several:
        return f"No application under review matches `{shown}`. {USAGE}."
    names = "\n".join(f"• {mrkdwn(c.name)} (application #{a.id})" for a, c in found.several)
    return f"Several applications under review match `{shown}`; please be more precise:\n{names}"
