"""A channel notice that asks staff to act: its text, one primary button, and a note under it
(the renewal nag and the check-in are both this shape)."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)


def call_to_action(text: str, *, button: str, action_id: str, value: str, note: str) -> list[Block]:
    """`text` and `note` are mrkdwn, already escaped by the caller."""
    return [
        SectionBlock(text=MarkdownTextObject(text=text)),
        ActionsBlock(
            elements=[ButtonElement(text=button, action_id=action_id, value=value, style="primary")]
        ),
        ContextBlock(elements=[MarkdownTextObject(text=note)]),
    ]
