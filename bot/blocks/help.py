"""The `/sanctuary help` message."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.domain import ids
from bot.domain.escape import mrkdwn

# (usage, what it does, staff only)
COMMANDS: tuple[tuple[str, str, bool], ...] = (
    ("help", "this list", False),
    ("apply", "register a council's application (opens a form)", True),
    ("status <council>", "where an application or membership stands", False),
    ("history <council>", "its timeline: registered, votes, comments, decisions", False),
    ("list", "the public register of member councils", False),
    ("renewals [days]", "memberships ending soon (default 90 days)", False),
    ("group", "the working-group roster (for the working group and staff)", False),
    (
        "group add @user <keyword>",
        "add a member: lived, councillor, officer, group, national or trustee",
        True,
    ),
    ("group remove @user", "remove a member (their past votes stay in the history)", True),
    (
        "group link @user <council | region | group>",
        "record a standing connection: applications from it ask them to declare a conflict or "
        "confirm they have none before voting",
        True,
    ),
    ("group unlink @user <council | region | group>", "forget that connection", True),
    ("decide <council>", "record the decision on an application (opens a form)", True),
    (
        "extend <council> <days> <reason>",
        "reopen or prolong voting until a new deadline (audited)",
        True,
    ),
    (
        "endorse <council> <note>",
        "record an endorsement the local group gave outside Slack, with how it was given",
        True,
    ),
    (
        "conflict withdraw <council> <reason>",
        "withdraw your conflict of interest, before the decision",
        False,
    ),
    ("amend <council>", "correct a decision's rationale, with a reason (opens a form)", True),
    ("end <council> <reason>", "end a membership early (the council rescinded its motion)", True),
)


def build_help(*, is_staff: bool, preface: str | None = None) -> tuple[str, list[Block]]:
    """The commands, staff-only ones marked; `preface` (mrkdwn) goes first, e.g. an error."""
    lines = []
    for usage, what, staff_only in COMMANDS:
        marker = " _(staff)_" if staff_only else ""
        lines.append(f"`{ids.COMMAND} {mrkdwn(usage)}`: {what}{marker}")
    text = f"{ids.COMMAND}: the Local Authority Network bot. Commands:\n" + "\n".join(lines)
    footer = (
        "You are on the staff list, so the staff commands are open to you."
        if is_staff
        else "Commands marked _(staff)_ are for City of Sanctuary UK staff."
    )
    if preface:
        text = f"{preface}\n{text}"
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=preface))] if preface else []
    blocks += [
        SectionBlock(
            text=MarkdownTextObject(text="*Local Authority Network bot*\n" + "\n".join(lines))
        ),
        ContextBlock(elements=[MarkdownTextObject(text=footer)]),
    ]
    return text, blocks
