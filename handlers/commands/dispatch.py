"""`/sanctuary <sub-command>`: ack at once, then dispatch; the answer goes to response_url.

Sub-commands live in the modules of this package and register with `@subcommand`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.connections import refusal_blocks
from bot.blocks.help import build_help
from bot.blocks.refusals import explain, keeping_typed
from bot.domain import ids
from bot.domain.escape import clean, mrkdwn, truncate, unescape_entities
from bot.domain.refusals import Refusal, Refused, Task
from bot.sending.context import Deps
from handlers.person import Person


@dataclass(frozen=True)
class CommandCall:
    """One invocation of a sub-command: who (and how to answer them), with what words."""

    deps: Deps
    caller: Person
    args: str
    trigger_id: str
    words: str = ""  # everything typed after the command, as read

    @property
    def typed(self) -> str:
        return f"{ids.COMMAND} {self.words}".strip()

    @property
    def user_id(self) -> str:
        return self.caller.user_id

    @property
    def client(self) -> AsyncWebClient:
        return self.caller.client

    @property
    def is_staff(self) -> bool:
        return self.deps.settings.is_staff(self.user_id)

    async def reply(self, text: str, blocks: list[Any] | None = None) -> None:
        """An answer only the caller sees."""
        await self.caller.tell(text, blocks)

    async def refuse(self, refused: Refused) -> None:
        """The refusal in one line, and under it what they typed (nothing typed is lost)."""
        text, blocks = explain(refused), refusal_blocks(refused)
        await self.caller.tell(
            text, keeping_typed(text, blocks, self.typed) if self.args else blocks
        )

    async def reply_error(self, text: str) -> None:
        """An error in one line, and under it what they typed."""
        await self.caller.tell(text, keeping_typed(text, None, self.typed))

    async def open_form(self, view: View) -> None:
        await self.caller.open_form(self.trigger_id, view)


Subcommand = Callable[[CommandCall], Awaitable[None]]


@dataclass(frozen=True)
class Entry:
    run: Subcommand
    staff_only: Task | None = None  # staff only, for this task


SUBCOMMANDS: dict[str, Entry] = {}


def subcommand(name: str, *, staff_only: Task | None = None) -> Callable[[Subcommand], Subcommand]:
    """Register a sub-command of `/sanctuary` (`name` may be two words: `group add`)."""

    def decorate(run: Subcommand) -> Subcommand:
        SUBCOMMANDS[name] = Entry(run, staff_only)
        return run

    return decorate


# Control characters mean nothing in a command; NUL even made searches match everything.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


async def handle_sanctuary(
    ack: AsyncAck,
    body: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    deps: Deps,
) -> None:
    await ack()
    words = clean(_CONTROL.sub("", unescape_entities(str(body.get("text") or "")))).strip()
    name, entry, args = _find(words)
    person = Person.of(body, client, respond)
    call = CommandCall(deps, person, args, body.get("trigger_id", ""), words)
    if entry is None:
        preface = f"I don't know `{mrkdwn(truncate(name, 40))}`. Here is what I can do:"
        await call.reply(*build_help(is_staff=call.is_staff, preface=preface))
    elif entry.staff_only and not call.is_staff:
        await call.refuse(Refused(Refusal.NOT_STAFF, task=entry.staff_only))
    else:
        await entry.run(call)


def _find(words: str) -> tuple[str, Entry | None, str]:
    """(the sub-command's name as typed, its entry if known, the words after it)."""
    name, _, args = words.partition(" ")
    second, _, rest = args.strip().partition(" ")
    entry = SUBCOMMANDS.get(f"{name} {second}".lower())
    if entry is not None:
        return name, entry, rest.strip()
    return name, SUBCOMMANDS.get(name.lower() or "help"), args.strip()
