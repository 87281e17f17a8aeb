"""`/sanctuary group`, `group add @user <keyword>`, `group remove @user`."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.blocks.review import build_roster
from bot.domain import ids
from bot.domain.constituencies import describe
from bot.domain.escape import mention, mrkdwn, truncate
from bot.sending.slack_errors import SLACK_FAILURES, error_code
from bot.services.roster import (
    RosterChange,
    RosterError,
    active_members,
    add_member,
    check_keyword,
    parse_user_ref,
    remove_member,
    split_words,
)
from handlers.commands.dispatch import CommandCall, subcommand
from models.db import transaction

USAGE = (
    f"Usage: `{ids.COMMAND} group` (the roster), `{ids.COMMAND} group add @user <keyword>` or "
    f"`{ids.COMMAND} group remove @user`."
)


@subcommand("group")
async def group(call: CommandCall) -> None:
    action, _, rest = call.args.partition(" ")
    action = action.lower()
    if not action:
        async with call.deps.sessions() as session:
            members = await active_members(session)
        text, blocks = build_roster(members, is_staff=call.is_staff)
        await call.reply(text, blocks)
        return
    if action not in ("add", "remove"):
        await call.reply(f"I don't know `group {mrkdwn(truncate(action, 40))}`. {USAGE}")
        return
    if not call.is_staff:
        await call.reply(
            f"Sorry, changing the roster (`{ids.COMMAND} group {action}`) is for City of "
            "Sanctuary UK staff. Ask a member of staff if someone should be added or removed."
        )
        return
    if action == "add":
        await _add(call, split_words(rest))
    else:
        await _remove(call, split_words(rest))


async def _looked_up_name(call: CommandCall, user_id: str) -> tuple[bool, str | None]:
    """(found, display name) from users.info."""
    try:
        answer = await call.client.users_info(user=user_id)
    except SlackApiError as error:
        if error.response.get("error") == "user_not_found":
            return False, None
        raise
    user = answer.get("user") or {}
    profile = user.get("profile") or {}
    name = profile.get("display_name") or user.get("real_name") or user.get("name")
    return True, name or None


async def _add(call: CommandCall, words: list[str]) -> None:
    if len(words) != 2:
        await call.reply(f"Please name one person and one keyword. {USAGE}")
        return
    user_id = parse_user_ref(words[0])
    if user_id is None:
        await call.reply(
            f"`{mrkdwn(truncate(words[0], 60))}` is not a Slack user. Mention them with @, "
            f"e.g. `{ids.COMMAND} group add @amira lived`."
        )
        return
    try:
        keyword = check_keyword(words[1])
    except RosterError as error:
        await call.reply(f"`{mrkdwn(truncate(words[1], 40))}`: {error}")
        return
    try:
        found, name = await _looked_up_name(call, user_id)
    except SLACK_FAILURES as error:
        await call.reply(
            f"Slack would not tell me who {mention(user_id)} is "
            f"(`{error_code(error)}`); nothing was changed. Please try again in a minute."
        )
        return
    if not found:
        await call.reply(
            f"I can't find the user `{mrkdwn(user_id)}` in this workspace. Mention them with @ "
            "so that Slack fills in the right person."
        )
        return
    now = call.deps.clock.now()
    async with transaction(call.deps.sessions) as session:
        result = await add_member(
            session,
            user_id=user_id,
            keyword=keyword,
            actor=call.user_id,
            now=now,
            display_name=name,
        )
    where = f"*{describe(keyword)}* (`{keyword}`)"
    messages = {
        RosterChange.ADDED: f"Added {mention(user_id)} to the working group: {where}.",
        RosterChange.MOVED: (
            f"Moved {mention(user_id)} from {describe(result.previous_constituency or '')} "
            f"to {where}."
        ),
        RosterChange.REACTIVATED: (
            f"Welcomed {mention(user_id)} back to the working group: {where}."
        ),
        RosterChange.UNCHANGED: f"{mention(user_id)} is already in the working group: {where}.",
    }
    await call.reply(messages[result.change])


async def _remove(call: CommandCall, words: list[str]) -> None:
    if len(words) != 1:
        await call.reply(f"Please name one person. {USAGE}")
        return
    user_id = parse_user_ref(words[0])
    if user_id is None:
        await call.reply(
            f"`{mrkdwn(truncate(words[0], 60))}` is not a Slack user. Mention them with @."
        )
        return
    try:
        async with transaction(call.deps.sessions) as session:
            member = await remove_member(
                session, user_id=user_id, actor=call.user_id, now=call.deps.clock.now()
            )
    except RosterError as error:
        await call.reply(f"{mention(user_id)}: {error}")
        return
    await call.reply(
        f"Removed {mention(user_id)} ({describe(member.constituency)}) from the working group. "
        "Their past votes stay in the history."
    )
