"""Corrections, each with a reason: `/sanctuary conflict withdraw <council> <reason>` (whoever
declared it, before the decision), `/sanctuary amend <council>` (staff: opens a form for the
decision's rationale) and `/sanctuary end <council> <reason>` (staff: a membership ends early)."""

from __future__ import annotations

from bot.blocks.connections import build_amend_modal
from bot.domain import ids
from bot.domain.dates import day, local_date
from bot.domain.escape import mrkdwn, truncate
from bot.domain.refusals import Task
from bot.sending.home import refresh_homes
from bot.services.decisions import Amendable, amendable
from bot.services.memberships import END_USAGE, end_named_membership
from bot.services.voting import WITHDRAW_USAGE, withdraw_named_conflict
from handlers.attempt import attempt
from handlers.commands.dispatch import CommandCall, subcommand
from handlers.person import refreshed


@subcommand("conflict withdraw")
async def withdraw_conflict(call: CommandCall) -> None:
    if not call.args:
        await call.reply(f"Which council, and why? `{ids.COMMAND} {mrkdwn(WITHDRAW_USAGE)}`.")
        return
    now = call.deps.clock.now()
    result = await attempt(
        call.deps,
        lambda session: withdraw_named_conflict(
            session, user_id=call.user_id, text=call.args, now=now
        ),
        call.refuse,
    )
    if result is None:
        return
    note = await refreshed(call.deps, call.client, result.application_id)
    await call.reply(
        f"Your conflict of interest on {mrkdwn(truncate(result.council, 200))} is withdrawn: "
        f"you are no longer recused from it.{note}"
    )
    refresh_homes(call.deps, call.client, [call.user_id])


@subcommand("amend", staff_only=Task.AMEND)
async def amend(call: CommandCall) -> None:
    words = call.args.strip()
    if not words:
        await call.reply(f"Which council? `{ids.COMMAND} amend &lt;council&gt;`.")
        return
    staff = call.deps.settings.staff
    found = await attempt(
        call.deps,
        lambda session: amendable(session, words, actor=call.user_id, staff=staff),
        call.refuse,
        write=False,
    )
    if isinstance(found, Amendable):
        await call.open_form(build_amend_modal(found.application_id, found.council, found.decision))
    elif found is not None:
        shown, names = mrkdwn(truncate(words, 80)), ", ".join(mrkdwn(n) for n in found)
        await call.reply_error(
            f"Several decided applications match `{shown}` ({names}); please be more precise."
            if found
            else f"No decided application matches `{shown}`: type part of the council's name, "
            "or its code (such as E08000019)."
        )


@subcommand("end", staff_only=Task.END_MEMBERSHIP)
async def end(call: CommandCall) -> None:
    if not call.args:
        await call.reply(f"Which council, and why? `{ids.COMMAND} {mrkdwn(END_USAGE)}`.")
        return
    deps = call.deps
    now = deps.clock.now()
    today = local_date(now, deps.settings.timezone)
    ended = await attempt(
        deps,
        lambda session: end_named_membership(
            session,
            text=call.args,
            actor=call.user_id,
            staff=deps.settings.staff,
            now=now,
            today=today,
        ),
        call.refuse,
    )
    if ended is not None:
        await call.reply(
            f"The membership of {mrkdwn(truncate(ended.council.name, 200))} (until "
            f"{day(ended.membership.ends_on)}) is ended as of today: it is off the public "
            "register and gets no more renewal reminders."
        )
