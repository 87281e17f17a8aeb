"""What listeners and jobs need, as one immutable object put into Bolt's context."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.clock import Clock
from bot.domain.config import Settings
from bot.sending.coalesce import Coalescer
from bot.sending.home_tabs import HomeTabs
from bot.sending.slack_health import SlackHealth
from models.db import SessionFactory


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
    # Whose Home tabs to publish, and when (bot/sending/home_tabs.py).
    home_tabs: HomeTabs = field(default_factory=HomeTabs)
