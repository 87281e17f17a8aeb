"""The bot's settings as values: what services, builders and jobs are given (DESIGN.md section 6).

Reading them from the environment, and checking them, is `bot.settings` (at the top, with the
entry point); everything below it sees only these frozen values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_FILE = "sanctuary.db"


@dataclass(frozen=True)
class ReviewRules:
    """Quorum, deadline and reminder rules (DESIGN.md section 4), and how fresh evidence must be
    (sections 2 and 5), all configurable."""

    quorum_min_votes: int = 4
    quorum_min_constituencies: int = 3
    quorum_required: tuple[str, ...] = ("lived",)
    review_days: int = 14
    vote_reminder_days: tuple[int, ...] = (3, 1)
    quorum_warning_days: int = 2
    renewal_nag_days: tuple[int, ...] = (90, 30, 7, 0)
    expiring_window_days: int = 90
    contact_retention_months: int = 24
    # Fresh evidence and re-application (DESIGN.md sections 2 and 5).
    endorsement_max_age_months: int = 12
    renewal_window_months: int = 12
    # Until a round closes (its deadline or its decision), show how many have voted, not how.
    blind_tally: bool = False


@dataclass(frozen=True)
class Settings:
    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    channel: str | None = None
    staff: frozenset[str] = frozenset()
    database_url: str = f"sqlite+aiosqlite:///{DEFAULT_DATABASE_FILE}"
    slack_api_url: str = DEFAULT_SLACK_API_URL
    # Seconds to wait for one Web API answer before giving up (tests use less).
    slack_timeout: int = 10
    port: int = 3000
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/London"))
    rules: ReviewRules = field(default_factory=ReviewRules)

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None

    def is_staff(self, user_id: str) -> bool:
        return user_id in self.staff
