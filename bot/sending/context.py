"""What listeners and jobs need, as one immutable object put into Bolt's context."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.domain.clock import Clock
from bot.domain.config import Settings
from bot.sending.coalesce import Coalescer
from bot.sending.slack_health import SlackHealth
from models.db import SessionFactory


class HomesShown:
    """Whose Home tab this process published since the last reconciliation (bot/sending/
    reconcile.py). A new process knows none, so its first reconciliation takes everyone's."""

    def __init__(self) -> None:
        self._users: set[str] = set()
        self._first = True

    def add(self, user_id: str) -> None:
        self._users.add(user_id)

    def take(self, *, everyone: Iterable[str]) -> list[str]:
        """The Homes to re-render now (all of `everyone` the first time), forgetting them."""
        users = [*everyone, *sorted(self._users)] if self._first else sorted(self._users)
        self._users.clear()
        self._first = False
        return list(dict.fromkeys(users))

    def discard(self, user_ids: Iterable[str]) -> None:
        """Forget these (just re-rendered by the reconciliation itself)."""
        self._users.difference_update(user_ids)


@dataclass(frozen=True)
class Deps:
    """Settings, the session factory and the clock. Listeners receive it as `deps`."""

    settings: Settings
    sessions: SessionFactory
    clock: Clock
    # This process's in-flight Slack updates (one per post at a time).
    post_updates: Coalescer = field(default_factory=Coalescer)
    # What Slack refused this process (bot/sending/slack_health.py); a new process starts clean.
    slack_health: SlackHealth = field(default_factory=SlackHealth)
    # Home tabs published since the last reconciliation (bot/sending/reconcile.py).
    homes_shown: HomesShown = field(default_factory=HomesShown)
