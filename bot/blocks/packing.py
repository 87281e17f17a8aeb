"""Fitting a list of lines into Block Kit limits, saying how many were left out."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock

from bot.domain.escape import truncate

SECTION_LIMIT = 3000


def pack_lines(
    lines: Sequence[str],
    *,
    max_blocks: int,
    more: Callable[[int], str],
    from_end: bool = False,
    max_lines: int | None = None,
) -> list[Block]:
    """Sections holding as many whole `lines` as fit in `max_blocks` blocks.

    At most `max_lines` lines are shown, so that a message stays readable. When some do not
    fit, the last block (the first with `from_end`) says `more(n)`. With
    `from_end` the newest lines (the end of the list) are the ones kept.
    """
    if max_blocks < 1:
        return []
    ordered = [truncate(line, SECTION_LIMIT) for line in (reversed(lines) if from_end else lines)]
    capped = 0
    if max_lines is not None and len(ordered) > max_lines:
        capped = len(ordered) - max_lines
        ordered = ordered[:max_lines]
        max_blocks -= 1  # room for the note
    sections: list[list[str]] = []
    size = 0
    for line in ordered:
        if not sections or size + 1 + len(line) > SECTION_LIMIT:
            sections.append([])
            size = -1
        sections[-1].append(line)
        size += 1 + len(line)
    left_out = 0
    if len(sections) > max_blocks:
        keep = max_blocks if capped else max_blocks - 1
        left_out = sum(len(s) for s in sections[keep:])
        sections = sections[:keep]
    left_out += capped
    if from_end:
        sections = [list(reversed(s)) for s in reversed(sections)]
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text="\n".join(s))) for s in sections if s
    ]
    if left_out:
        note = SectionBlock(text=MarkdownTextObject(text=more(left_out)))
        if from_end:
            blocks.insert(0, note)
        else:
            blocks.append(note)
    return blocks
