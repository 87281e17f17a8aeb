"""`/sanctuary <sub-command>`: ack at once, then dispatch; the answer goes to response_url.

Sub-commands live in the modules of this package and register with `@subcommand`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.help import build_help
from bot.domain import ids
from bot.domain.escape import mrkdwn, truncate, unescape_entities
from bot.sending.context import Deps
from bot.sending.tell import tell

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class CommandCall:
    """One invocation of a sub-command: who, with what words, and how to answer."""

    deps: Deps
    client: AsyncWebClient
    respond: AsyncRespond
    user_id: str
    args: str
    trigger_id: str
    body: dict[str, Any]

    @property
    def is_staff(self) -> bool:
        return self.deps.settings.is_staff(self.user_id)

    async def reply(self, text: str, blocks: list[Any] | None = None) -> None:
        """An answer only the caller sees."""
        channel = str(self.body.get("channel_id") or "") or None
        await tell(
            self.client, self.user_id, text, blocks=blocks, respond=self.respond, channel=channel
        )


Subcommand = Callable[[CommandCall], Awaitable[None]]


@dataclass(frozen=True)
class Entry:
    run: Subcommand
    staff_only: bool = False


SUBCOMMANDS: dict[str, Entry] = {}


def subcommand(name: str, *, staff_only: bool = False) -> Callable[[Subcommand], Subcommand]:
    """Register a sub-command of `/sanctuary`."""

    def decorate(run: Subcommand) -> Subcommand:
        SUBCOMMANDS[name] = Entry(run, staff_only)
        return run

    return decorate


async def handle_sanctuary(
    ack: AsyncAck,
    body: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    deps: Deps,
) -> None:
    await ack()
    # Control characters mean nothing in a command; NUL even made searches match everything.
    words = _CONTROL.sub("", unescape_entities(str(body.get("text") or ""))).strip()
    name, _, args = words.partition(" ")
    call = CommandCall(
        deps=deps,
        client=client,
        respond=respond,
        user_id=body["user_id"],
        args=args.strip(),
        trigger_id=body.get("trigger_id", ""),
        body=body,
    )
    entry = SUBCOMMANDS.get(name.lower() or "help")
    if entry is None:
        text, blocks = build_help(
            is_staff=call.is_staff,
            preface=f"I don't know `{mrkdwn(truncate(name, 40))}`. Here is what I can do:",
        )
        await call.reply(text, blocks)
        return
    if entry.staff_only and not call.is_staff:
        await call.reply(
            f"Sorry, `{ids.COMMAND} {name.lower()}` is for City of Sanctuary UK staff. "
            f"If you need it, ask a member of staff to add you to the staff list."
        )
        return
    await entry.run(call)
