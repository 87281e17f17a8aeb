"""`/sanctuary decide <council>`: opens the decision modal for an application under review."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.blocks.review import build_decision_modal
from bot.domain import ids
from bot.domain.dates import local_date
from bot.domain.escape import mrkdwn, truncate
from bot.domain.refusals import Refused, Task
from bot.services.applications import ApplicationView
from bot.services.decisions import decision_form, open_applications_matching
from handlers.commands.dispatch import CommandCall, subcommand
from models.tables import Application, Council


@subcommand("decide", staff_only=Task.DECIDE)
async def decide(call: CommandCall) -> None:
    words = call.args.strip()
    if not words:
        await call.reply(f"Which council? `{ids.COMMAND} decide <council>`.")
        return
    try:
        async with call.deps.sessions() as session:
            matches = await open_applications_matching(session, words)
            view = await _form(session, call, matches)
    except Refused as refused:
        await call.refuse(refused)
        return
    if view is None:
        await call.reply(not_exactly_one(words, matches))
        return
    rules, today = (
        call.deps.settings.rules,
        local_date(call.deps.clock.now(), call.deps.settings.timezone),
    )
    await call.open_form(build_decision_modal(view, rules=rules, recused=view.recused, today=today))


async def _form(
    session: AsyncSession, call: CommandCall, matches: list[tuple[Application, Council]]
) -> ApplicationView | None:
    """The decision form's contents when exactly one application matches."""
    if len(matches) != 1:
        return None
    application, _ = matches[0]
    assert application.id is not None
    staff = call.deps.settings.staff
    return await decision_form(session, application.id, None, actor=call.user_id, staff=staff)


def not_exactly_one(words: str, matches: list[tuple[Application, Council]]) -> str:
    shown = mrkdwn(truncate(words, 80))
    if not matches:
        return f"No application under review matches `{shown}`."
    names = "\n".join(f"• {mrkdwn(c.name)} (application #{a.id})" for a, c in matches)
    return f"Several applications under review match `{shown}`; please be more precise:\n{names}"
