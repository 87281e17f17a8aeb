"""`/sanctuary group`, `group add @user <keyword>` (staff), `group remove @user` (staff)."""

from __future__ import annotations

from bot.blocks.mentions import mention, parse_user_ref, split_words
from bot.blocks.review import build_roster, roster_changed
from bot.domain import ids
from bot.domain.constituencies import check_keyword, describe
from bot.domain.escape import mrkdwn, truncate
from bot.domain.refusals import Refused, Task
from bot.sending.slack_errors import SLACK_FAILURES, error_code
from bot.services.roster import add_member, remove_member
from bot.services.visibility import visible_roster
from handlers.attempt import attempt
from handlers.commands.dispatch import CommandCall, subcommand

USAGE = (
    f"Usage: `{ids.COMMAND} group` (the roster), `{ids.COMMAND} group add @user <keyword>` or "
    f"`{ids.COMMAND} group remove @user`."
)


@subcommand("group")
async def group(call: CommandCall) -> None:
    if call.args:
        word = call.args.partition(" ")[0]
        await call.reply(f"I don't know `group {mrkdwn(truncate(word, 40))}`. {USAGE}")
        return
    staff = call.deps.settings.staff
    members = await attempt(
        call.deps,
        lambda session: visible_roster(session, call.user_id, staff),
        call.refuse,
        write=False,
    )
    if members is not None:
        await call.reply(*build_roster(members, is_staff=call.is_staff))


@subcommand("group add", staff_only=Task.CHANGE_ROSTER)
async def add(call: CommandCall) -> None:
    named = await _named(
        call, "one person and one keyword", 2, f", e.g. `{ids.COMMAND} group add @amira lived`"
    )
    if named is None:
        return
    user_id, (word,) = named
    try:
        keyword = check_keyword(word)  # before asking Slack who they are
    except Refused as refused:
        await call.refuse(refused)
        return
    found, name = await _looked_up(call, user_id)
    if not found:
        return
    result = await attempt(
        call.deps,
        lambda session: add_member(
            session,
            user_id=user_id,
            keyword=keyword,
            actor=call.user_id,
            staff=call.deps.settings.staff,
            now=call.deps.clock.now(),
            display_name=name,
        ),
        call.refuse,
    )
    if result is not None:
        await call.reply(roster_changed(result))


@subcommand("group remove", staff_only=Task.CHANGE_ROSTER)
async def remove(call: CommandCall) -> None:
    named = await _named(call, "one person", 1)
    if named is None:
        return
    user_id, _ = named
    staff, now = call.deps.settings.staff, call.deps.clock.now()
    member = await attempt(
        call.deps,
        lambda session: remove_member(
            session, user_id=user_id, actor=call.user_id, staff=staff, now=now
        ),
        call.refuse,
    )
    if member is not None:
        await call.reply(
            f"Removed {mention(user_id)} ({describe(member.constituency)}) from the working "
            "group. Their past votes stay in the history."
        )


async def _named(
    call: CommandCall, what: str, count: int, example: str = ""
) -> tuple[str, list[str]] | None:
    """The Slack user the command's words name first, and the words after them; None once the
    caller is told what to type instead."""
    words = split_words(call.args)
    if len(words) != count:
        await call.reply(f"Please name {what}. {USAGE}")
        return None
    user_id = parse_user_ref(words[0])
    if user_id is None:
        shown = mrkdwn(truncate(words[0], 60))
        await call.reply(f"`{shown}` is not a Slack user. Mention them with @{example}.")
        return None
    return user_id, words[1:]


async def _looked_up(call: CommandCall, user_id: str) -> tuple[bool, str | None]:
    """(found, display name) from users.info; if not found, the caller is told why."""
    try:
        answer = await call.client.users_info(user=user_id)
    except SLACK_FAILURES as error:
        code = error_code(error)
        await call.reply(
            f"I can't find the user `{mrkdwn(user_id)}` in this workspace. Mention them with @ "
            "so that Slack fills in the right person."
            if code == "user_not_found"
            else f"Slack would not tell me who {mention(user_id)} is (`{code}`); nothing was "
            "changed. Please try again in a minute."
        )
        return False, None
    user = answer.get("user") or {}
    profile = user.get("profile") or {}
    return True, profile.get("display_name") or user.get("real_name") or user.get("name") or None
