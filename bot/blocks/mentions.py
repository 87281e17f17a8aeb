"""Mentions of people, both ways: `<@U…>` in what the bot writes, `<@U…|name>` in what people type.

The manifest sets `should_escape: false` for the command, so a mention arrives as
`<@U0123ABC|name>` (or `<@U0123ABC>`); a bare id is accepted too.
"""

from __future__ import annotations

import re

from bot.domain.escape import mrkdwn

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_MENTION = re.compile(r"^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$")
_BARE_ID = re.compile(r"^([UW][A-Z0-9]{2,})$")
_LEADING_REF = re.compile(r"^\s*(<@[^>]*>|\S+)\s*(.*)$", re.DOTALL)


def mention(user_id: str) -> str:
    """`<@U…>` for a real user id; anything else is shown as escaped text, never a mention."""
    if _USER_ID.match(user_id):
        return f"<@{user_id}>"
    return mrkdwn(user_id)


_ANY_MENTION = re.compile(r"<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>")


def with_mentions(text: str) -> str:
    """Typed text as mrkdwn: escaped, with the mentions in it (`<@U…|name>`) shown as mentions."""
    shown, last = [], 0
    for found in _ANY_MENTION.finditer(text):
        shown += [mrkdwn(text[last : found.start()]), mention(found.group(1))]
        last = found.end()
    return "".join([*shown, mrkdwn(text[last:])])


def parse_user_ref(text: str) -> str | None:
    """The Slack user id in a mention (`<@U…|name>`, `<@U…>`) or a bare id; None otherwise."""
    text = text.strip()
    match = _MENTION.match(text) or _BARE_ID.match(text)
    return match.group(1) if match else None


def split_words(text: str) -> list[str]:
    """Words of a command, keeping a mention whose label has spaces (`<@U…|Cllr Patel>`) whole."""
    words: list[str] = []
    rest = text.strip()
    while rest:
        match = _LEADING_REF.match(rest)
        if match is None:
            break
        words.append(match.group(1))
        rest = match.group(2).strip()
    return words
