"""Escaping user text for Slack's mrkdwn, and reading numbers people type or Slack sends back."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Half of a UTF-16 surrogate pair: JSON can carry one ("\ud800"), UTF-8 cannot store it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")


def clean(text: str) -> str:
    """Typed text as it can be stored and shown: without control characters (tabs and line
    breaks kept; NUL cannot be stored in PostgreSQL text, the others only garble what people
    read), and with a lone half of a surrogate pair replaced by U+FFFD (neither SQLite nor
    PostgreSQL can store it, so the whole text would be lost)."""
    return _LONE_SURROGATE.sub("\ufffd", _CONTROL.sub("", text))


def mrkdwn(text: str) -> str:
    """Escape text for mrkdwn so it can neither ping (`<!channel>`) nor disguise a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def channel_link(channel_id: str) -> str:
    if _CHANNEL_ID.match(channel_id):
        return f"<#{channel_id}>"
    return mrkdwn(channel_id)


def link(url: str, label: str) -> str:
    """A link whose label is escaped; the URL must already be validated as http(s)."""
    safe_url = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return f"<{safe_url}|{mrkdwn(label)}>"


def truncate(text: str, limit: int) -> str:
    """Cut text to `limit` characters with an ellipsis, so Block Kit limits are never broken."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + "…"


def unescape_entities(text: str) -> str:
    """Text as typed, from text Slack sent entity-encoded (slash commands, messages).

    Only Slack's three entities; `&amp;` last, so that `&amp;lt;` stays the literal `&lt;`.
    Mentions and links (`<@U…|name>`) are not entities and pass through unchanged.
    """
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def parse_id(text: str) -> int | None:
    """A whole number as typed or sent back by Slack (an id, a count of days); else None.

    Plain ASCII digits only ("²".isdigit() is true, but int() refuses it) and at most nine of
    them, so that a forged value can never overflow a database INTEGER.
    """
    word = text.strip()
    if not (word.isascii() and word.isdigit() and len(word) <= 9):
        return None
    return int(word)
