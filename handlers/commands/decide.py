"""`/sanctuary decide <council>`: opens the decision modal for an application under review."""

from __future__ import annotations

from bot.blocks.review import build_decision_modal
from bot.domain import ids
from bot.domain.escape import mrkdwn, truncate
from bot.sending.slack_errors import SLACK_FAILURES, form_not_opened
from bot.services.applications import load_view
from bot.services.decisions import open_applications_matching
from handlers.commands.dispatch import CommandCall, subcommand


@subcommand("decide", staff_only=True)
async def decide(call: CommandCall) -> None:
    words = call.args.strip()
    if not words:
        await call.reply(f"Which council? `{ids.COMMAND} decide <council>`.")
        return
    async with call.deps.sessions() as session:
        matches = await open_applications_matching(session, words)
        if len(matches) == 1:
            application, _ = matches[0]
            assert application.id is not None
            view = await load_view(session, application.id)
        else:
            view = None
    if view is None:
        if not matches:
            await call.reply(
                f"No application under review matches `{mrkdwn(truncate(words, 80))}`."
            )
        else:
            names = "\n".join(f"• {mrkdwn(c.name)} (application #{a.id})" for a, c in matches)
            await call.reply(
                f"Several applications under review match `{mrkdwn(truncate(words, 80))}`; "
                f"please be more precise:\n{names}"
            )
        return
    modal = build_decision_modal(view, rules=call.deps.settings.rules, recused=view.recused)
    try:
        await call.client.views_open(trigger_id=call.trigger_id, view=modal)
    except SLACK_FAILURES as error:
        await call.reply(form_not_opened(error))
