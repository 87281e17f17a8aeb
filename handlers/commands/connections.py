"""`/sanctuary group link @user <council | region | group name>` and `group unlink` (staff):
a person's standing connections."""

from __future__ import annotations

from bot.blocks.connections import connections_list, linked, unlinked
from bot.blocks.mentions import parse_user_ref, split_words
from bot.domain import ids
from bot.domain.escape import mrkdwn, truncate
from bot.domain.refusals import Task
from bot.services.connections import connections_of, link, unlink
from handlers.attempt import attempt
from handlers.commands.dispatch import CommandCall, subcommand

USAGE = (
    f"Usage: `{ids.COMMAND} group link @user &lt;council | region | group name&gt;` or "
    f"`{ids.COMMAND} group unlink @user &lt;council | region | group name&gt;`."
)


async def _person_and_words(call: CommandCall) -> tuple[str, str] | None:
    """The user the command names first and the words after; None once told what to type."""
    words = split_words(call.args)
    user_id = parse_user_ref(words[0]) if words else None
    if user_id is None:
        shown = mrkdwn(truncate(words[0], 60)) if words else ""
        await call.reply_error(
            f"Please name the person first, with @: `{shown}` is not one. {USAGE}"
        )
        return None
    return user_id, " ".join(words[1:])


@subcommand("group link", staff_only=Task.LINK)
async def link_person(call: CommandCall) -> None:
    named = await _person_and_words(call)
    if named is None:
        return
    user_id, words = named
    if not words:
        async with call.deps.sessions() as session:
            rows = await connections_of(session, user_id)
        await call.reply(connections_list(user_id, rows) + f"\n{USAGE}")
        return
    settings, now = call.deps.settings, call.deps.clock.now()
    result = await attempt(
        call.deps,
        lambda session: link(
            session, user_id=user_id, words=words, actor=call.user_id, staff=settings.staff, now=now
        ),
        call.refuse,
    )
    if result is not None:
        await call.reply(linked(user_id, result))


@subcommand("group unlink", staff_only=Task.LINK)
async def unlink_person(call: CommandCall) -> None:
    named = await _person_and_words(call)
    if named is None:
        return
    user_id, words = named
    if not words:
        await call.reply(f"Unlink from what? {USAGE}")
        return
    settings, now = call.deps.settings, call.deps.clock.now()
    target = await attempt(
        call.deps,
        lambda session: unlink(
            session, user_id=user_id, words=words, actor=call.user_id, staff=settings.staff, now=now
        ),
        call.refuse,
    )
    if target is not None:
        await call.reply(unlinked(user_id, target))
