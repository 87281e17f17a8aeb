"""Render Block Kit messages as a person would read them, in a plain terminal."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.standin.server import Message, SlackStandIn

DIVIDER = "─" * 24
THREAD_MARK = "  ↳ "
_TOKEN = re.compile(r"<([^<>]*)>")
_SELECTS = (
    "static_select",
    "external_select",
    "users_select",
    "conversations_select",
    "channels_select",
    "multi_static_select",
    "multi_external_select",
    "multi_users_select",
    "multi_conversations_select",
    "multi_channels_select",
)


@dataclass(frozen=True)
class _Names:
    """What Slack shows in place of ids: user id -> name, channel id -> name."""

    users: Mapping[str, str]
    channels: Mapping[str, str]


def unescape(text: str) -> str:
    # &amp; last, so "&amp;lt;" shows as "&lt;" as Slack would.
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render_mrkdwn(
    text: str,
    users: Mapping[str, str] | None = None,
    channels: Mapping[str, str] | None = None,
) -> str:
    """Mentions, channel links and `<url|label>` links as readable text; entities unescaped."""
    users = users or {}
    channels = channels or {}

    def replace(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target.startswith("@"):
            return "@" + (label or users.get(target[1:]) or target[1:]).lstrip("@")
        if target.startswith("#"):
            return "#" + (label or channels.get(target[1:]) or target[1:])
        if target.startswith("!"):
            command = target[1:]
            if command.startswith("subteam^"):
                return label or "@" + command.split("^", 1)[1]
            if command.startswith("date^"):
                return label or command
            return label or "@" + command
        if target.startswith("mailto:"):
            address = target[len("mailto:") :]
            return label if label and label != address else address
        return f"{label} ({target})" if label and label != target else target

    return unescape(_TOKEN.sub(replace, text))


def _text(obj: Any, names: _Names) -> str:
    if isinstance(obj, str):
        return obj
    if not isinstance(obj, dict):
        return ""
    text = obj.get("text")
    if not isinstance(text, str):
        return ""
    if obj.get("type") == "mrkdwn":
        return render_mrkdwn(text, names.users, names.channels)
    return text


def _element(element: Any, names: _Names) -> str:
    if not isinstance(element, dict):
        return ""
    etype = element.get("type")
    if etype == "button":
        return f"[{_text(element.get('text'), names)}]"
    if etype in _SELECTS:
        initial = element.get("initial_option")
        label = _text(initial.get("text"), names) if isinstance(initial, dict) else ""
        label = label or _text(element.get("placeholder"), names) or "Select"
        return f"[{label} ▾]"
    if etype == "overflow":
        return "[⋯]"
    if etype in ("datepicker", "timepicker", "datetimepicker"):
        initial_value = element.get("initial_date") or element.get("initial_time")
        return f"[{initial_value or _text(element.get('placeholder'), names) or etype}]"
    if etype in ("checkboxes", "radio_buttons"):
        mark = "[ ]" if etype == "checkboxes" else "( )"
        options = element.get("options") or []
        return "  ".join(f"{mark} {_text(o.get('text'), names)}" for o in options)
    if etype == "image":
        return f"[image: {element.get('alt_text', '')}]"
    if etype in ("mrkdwn", "plain_text"):
        return _text(element, names)
    if etype and str(etype).endswith("_input"):
        return "[____]"
    return f"[{etype}]"


def _rich_text(elements: Any, names: _Names) -> str:
    out: list[str] = []
    for element in elements if isinstance(elements, list) else []:
        if not isinstance(element, dict):
            continue
        etype = element.get("type")
        if etype == "text":
            out.append(str(element.get("text", "")))
        elif etype == "link":
            url = str(element.get("url", ""))
            label = element.get("text")
            out.append(f"{label} ({url})" if label else url)
        elif etype == "user":
            user_id = str(element.get("user_id", ""))
            out.append("@" + names.users.get(user_id, user_id))
        elif etype == "channel":
            channel_id = str(element.get("channel_id", ""))
            out.append("#" + names.channels.get(channel_id, channel_id))
        elif etype == "emoji":
            out.append(f":{element.get('name', '')}:")
        elif etype == "rich_text_list":
            items = [_rich_text(i.get("elements"), names) for i in element.get("elements", [])]
            out.append("\n".join(f"• {item}" for item in items))
        elif etype == "rich_text_quote":
            out.append("> " + _rich_text(element.get("elements"), names))
        else:
            out.append(_rich_text(element.get("elements"), names))
    return "".join(out)


def _block_lines(block: Any, names: _Names) -> list[str]:
    if not isinstance(block, dict):
        return []
    btype = block.get("type")
    lines: list[str] = []
    if btype == "header":
        lines.append(f"== {_text(block.get('text'), names)} ==")
    elif btype == "section":
        if block.get("text"):
            lines.extend(_text(block["text"], names).splitlines())
        for field in block.get("fields") or []:
            # A field is usually "*Label*\nvalue": one line reads better in a terminal.
            lines.append(" ".join(_text(field, names).split("\n")))
        if block.get("accessory"):
            lines.append(_element(block["accessory"], names))
    elif btype == "context":
        parts = [_element(e, names) for e in block.get("elements") or []]
        lines.append(" · ".join(p for p in parts if p))
    elif btype == "actions":
        lines.append(" ".join(_element(e, names) for e in block.get("elements") or []))
    elif btype == "divider":
        lines.append(DIVIDER)
    elif btype == "image":
        lines.append(f"[image: {block.get('alt_text', '')}]")
    elif btype == "input":
        label = _text(block.get("label"), names)
        lines.append(f"{label}: {_element(block.get('element'), names)}")
    elif btype == "rich_text":
        lines.extend(_rich_text(block.get("elements"), names).splitlines())
    elif btype == "markdown":
        lines.extend(str(block.get("text", "")).splitlines())
    else:
        lines.append(f"[{btype}]")
    return lines


def render_blocks_as_text(
    text: str,
    blocks: list[dict[str, Any]] | None,
    *,
    users: Mapping[str, str] | None = None,
    channels: Mapping[str, str] | None = None,
) -> str:
    """What Slack shows for a message: its blocks, or its text when it has none. `users` and
    `channels` map ids to the names Slack shows for mentions and channel links."""
    names = _Names(users or {}, channels or {})
    if not blocks:
        return render_mrkdwn(text, names.users, names.channels)
    lines: list[str] = []
    for block in blocks:
        lines.extend(_block_lines(block, names))
    return "\n".join(lines)


def _message_lines(
    message: Message, names: _Names, *, reply: bool, parent: Message | None = None
) -> list[str]:
    """A message as Slack shows it. A reply also sent to the channel shows in both places: in
    the thread marked "also sent to the channel", and in the channel as "replied to a thread"
    with the start of the thread's first message."""
    author = names.users.get(message.user, message.user)
    edited = " (edited)" if message.edited else ""
    if message.reply_broadcast and reply:
        edited += " (also sent to the channel)"
    elif message.reply_broadcast and parent is not None:
        opening = render_mrkdwn(parent.text, names.users, names.channels).splitlines() or [""]
        edited += f" (replied to a thread: {_shorten(opening[0], 60)})"
    body = render_blocks_as_text(
        message.text, message.blocks, users=names.users, channels=names.channels
    ).splitlines() or [""]
    if reply:
        first = f"{THREAD_MARK}{author}{edited}: {body[0]}"
        return [first, *(" " * len(THREAD_MARK) + line for line in body[1:])]
    if len(body) == 1:
        return [f"{author}{edited}: {body[0]}"]
    return [f"{author}{edited}:", *("  " + line for line in body)]


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def render_transcript(standin: SlackStandIn, channel: str) -> str:
    """The channel as a reader would see it: each message, then its thread indented."""
    names = _Names(standin.user_names(), standin.channel_names())
    info = standin.channel(channel)
    title = f"#{info.name}" if info is not None else channel
    lines = [title, "═" * len(title)]
    by_ts = {m.ts: m for m in standin.messages(channel)}
    for message in standin.messages(channel):
        parent = by_ts.get(message.thread_ts) if message.thread_ts else None
        lines.extend(_message_lines(message, names, reply=False, parent=parent))
        if message.thread_ts is not None and message.thread_ts != message.ts:
            lines.append("")
            continue  # the channel's copy of a thread reply has no thread of its own
        for reply in standin.thread(channel, message.ts):
            lines.extend(_message_lines(reply, names, reply=True))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


__all__ = ["render_blocks_as_text", "render_mrkdwn", "render_transcript", "unescape"]
