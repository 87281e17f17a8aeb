"""`/sanctuary extend <council> <days> <reason>` (staff): reopen or prolong a round's voting."""

from __future__ import annotations

import re

from bot.blocks.review import extension_confirmation
from bot.domain import ids
from bot.domain.escape import parse_id
from bot.domain.refusals import Task
from bot.sending.home import refresh_everyones_home
from bot.services.decisions import open_applications_matching
from bot.services.extensions import extend_round
from handlers.attempt import attempt
from handlers.commands.decide import not_exactly_one
from handlers.commands.dispatch import CommandCall, subcommand
from handlers.person import refreshed

USAGE = (
    f"Usage: `{ids.EXTEND_USAGE}`, e.g. "
    f"`{ids.COMMAND} extend Sheffield 7 No vote yet from lived experience`."
)
_WORDS = re.compile(r"^(?P<council>.+?)\s+(?P<days>\d+)(?:\s+(?P<reason>.*))?$", re.DOTALL)


def parse_extend(args: str) -> tuple[str, int | None, str] | None:
    """(council words, days or None if absurd, reason) as typed; None if no number of days."""
    found = _WORDS.match(args.strip())
    if found is None:
        return None
    return found["council"], parse_id(found["days"]), found["reason"] or ""


@subcommand("extend", staff_only=Task.EXTEND)
async def extend(call: CommandCall) -> None:
    parsed = parse_extend(call.args)
    if parsed is None:
        await call.reply_error(USAGE)
        return
    words, days, reason = parsed
    async with call.deps.sessions() as session:
        matches = await open_applications_matching(session, words)
    if len(matches) != 1:
        await call.reply_error(not_exactly_one(words, matches))
        return
    deps, application_id = call.deps, matches[0][0].id or 0
    result = await attempt(
        deps,
        lambda session: extend_round(
            session,
            application_id=application_id,
            days=days,
            reason=reason,
            actor=call.user_id,
            staff=deps.settings.staff,
            now=deps.clock.now(),
        ),
        call.refuse,
    )
    if result is None:
        return
    note = await refreshed(deps, call.client, result.application_id)
    rules, timezone = deps.settings.rules, deps.settings.timezone
    confirmation = extension_confirmation(
        result, timezone=timezone, reminder_days=rules.vote_reminder_days
    )
    await call.reply(confirmation + note)
    await refresh_everyones_home(deps, call.client)
