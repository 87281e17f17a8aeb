"""The demo's cast and its narrator."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TextIO

from bot.domain.clock import FixedClock
from bot.runtime import Runtime
from bot.standin import CHANNEL_ID, SignedSlackClient, SlackStandIn, render_transcript
from bot.standin.render import render_blocks_as_text
from bot.standin.server import Message

STAFF_ID = "U0DEMOSTF1"
# user id -> (name, constituency or "staff")
CAST: dict[str, tuple[str, str]] = {
    STAFF_ID: ("Sam (staff)", "staff"),
    "U0DEMOLIV1": ("Amira", "lived"),
    "U0DEMOLIV2": ("Yonas", "lived"),
    "U0DEMOCLR1": ("Cllr Patel", "councillor"),
    "U0DEMOOFF1": ("Gareth (officer)", "officer"),
    "U0DEMOGRP1": ("Ruth (local group)", "group"),
    "U0DEMONAT1": ("Joe (national team)", "national"),
    "U0DEMOTRU1": ("Helen (trustee)", "trustee"),
}


@dataclass
class Story:
    runtime: Runtime
    slack: SlackStandIn
    client: SignedSlackClient
    clock: FixedClock
    out: TextIO
    verbose: bool = False
    shown_messages: int = field(default=0)
    facts: dict[str, object] = field(default_factory=dict)

    @staticmethod
    def start_time() -> datetime:
        return datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

    def title(self, heading: str, detail: str) -> None:
        self.out.write(f"\n{heading}\n{'=' * len(heading)}\n{detail}\n")

    def chapter(self, heading: str) -> None:
        self.out.write(f"\n## {heading}  [{self.clock.now():%d %b %Y}]\n\n")

    def say(self, line: str) -> None:
        self.out.write(f"   {line}\n")

    def show_private(self, who: str, text: str, blocks: list[dict[str, object]] | None) -> None:
        """What only one person saw (an ephemeral answer)."""
        rendered = render_blocks_as_text(
            text, blocks, users=self.slack.user_names(), channels=self.slack.channel_names()
        )
        self.out.write(f"   (only {who} sees)\n")
        for line in rendered.splitlines():
            self.out.write(f"   | {line}\n")

    def show_public(self, where: str, message: Message) -> None:
        """One message everyone in the channel sees, with where it appears."""
        rendered = render_blocks_as_text(
            message.text, message.blocks, users=self.slack.user_names()
        )
        self.out.write(f"   (everyone in the channel sees, {where})\n")
        for line in rendered.splitlines():
            self.out.write(f"   | {line}\n")

    def show_channel(self, heading: str = "The channel now") -> None:
        self.out.write(f"\n--- {heading} ---\n")
        self.out.write(render_transcript(self.slack, CHANNEL_ID))
        self.out.write("\n--- end ---\n")
