"""What this process has learnt about Slack refusing it, so that it stops asking in vain.

A conversation that refused a message permanently (`not_in_channel`, `channel_not_found`,
`is_archived`) is tried again at most hourly: someone has to act first, and retrying every
minute only fills the logs. The bot's token being refused (`invalid_auth`, `account_inactive`)
is logged once and reported by `GET /healthz`.

Kept in memory on purpose: a new process (a restart, or `sanctuary-bot scan`, which runs in a
process of its own) starts with a clean slate and tries at once, which is how staff make a
fixed channel post without waiting for the hour to pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# How long a conversation that refused permanently is left alone.
RETRY_REFUSED_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Refusal:
    code: str
    at: datetime


class SlackHealth:
    """Refused conversations (retried at most every `RETRY_REFUSED_AFTER`) and lost access."""

    def __init__(self) -> None:
        self._refused: dict[str, Refusal] = {}
        self.unreachable: str | None = None  # the error code, while the token is refused
        # Socket Mode only: "connected", or "connecting" (at start, and while Slack is out of
        # reach after a lost connection); shown by GET /healthz.
        self.socket: str | None = None

    def held_back(self, conversation: str, now: datetime) -> Refusal | None:
        """The refusal that keeps `conversation` from being tried at `now`, if any."""
        refusal = self._refused.get(conversation)
        if refusal is None or now >= refusal.at + RETRY_REFUSED_AFTER:
            return None
        return refusal

    def refused(self, conversation: str, code: str, now: datetime) -> None:
        self._refused[conversation] = Refusal(code, now)

    def lost_access(self, code: str) -> bool:
        """Note that Slack refuses the token; True the first time (for logging once)."""
        first = self.unreachable != code
        self.unreachable = code
        return first

    def accepted(self, conversation: str) -> None:
        """Slack took a message there: whatever was wrong has been fixed."""
        self._refused.pop(conversation, None)
        self.unreachable = None
