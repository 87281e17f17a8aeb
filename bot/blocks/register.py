"""`/sanctuary list`: the public register as a Slack message (no contact details, ever)."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, MarkdownTextObject

from bot.blocks.packing import pack_lines
from bot.domain.dates import day
from bot.domain.escape import link, mrkdwn
from bot.services.register import RegisterEntry

MAX_MESSAGE_BLOCKS = 50
MAX_LINES = 250


def register_line(entry: RegisterEntry) -> str:
    strategy = f" · {link(entry.strategy_url, 'strategy')}" if entry.strategy_url else ""
    return (
        f"*{mrkdwn(entry.council)}* · member since {day(entry.since)}, "
        f"until {day(entry.until)}{strategy}"
    )


def build_register(entries: list[RegisterEntry], *, today: date) -> tuple[str, list[Block]]:
    """The register, alphabetical, cut within Block Kit limits with "and N more"."""
    count = len(entries)
    title = f"Local Authority Network: {count} member council{'s' if count != 1 else ''}"
    if not entries:
        text = "The Local Authority Network has no member councils at the moment."
        return text, [ContextBlock(elements=[MarkdownTextObject(text=text)])]
    lines = [register_line(e) for e in entries]
    blocks: list[Block] = [HeaderBlock(text=title)]
    blocks += pack_lines(
        lines,
        max_blocks=MAX_MESSAGE_BLOCKS - 2,
        more=lambda n: (
            f"_…and {n} more: see the full register with "
            f"`sanctuary-bot export` or the /network page._"
        ),
    )
    blocks.append(
        ContextBlock(elements=[MarkdownTextObject(text=f"The public register on {day(today)}.")])
    )
    text = (
        title
        + "\n"
        + "\n".join(f"{mrkdwn(e.council)} (until {day(e.until)})" for e in entries[:40])
    )
    if count > 40:
        text += f"\n…and {count - 40} more"
    return text, blocks
