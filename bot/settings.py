"""Settings from the environment (or a `.env` file loaded by the entry point), checked at start.

One frozen object; a missing or malformed setting raises `SettingsError` whose message names the
setting and says how to fix it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.config import DEFAULT_DATABASE_FILE, DEFAULT_SLACK_API_URL, ReviewRules, Settings
from bot.domain.constituencies import CONSTITUENCIES

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")

T = TypeVar("T")


class SettingsError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


def load_settings(env: Mapping[str, str], *, for_run: bool = False) -> Settings:
    """Read and check every setting. `for_run` also requires what `sanctuary-bot run` needs."""
    get = _Reader(env)
    app_token = get.optional("SLACK_APP_TOKEN")
    if app_token is not None and not app_token.startswith("xapp-"):
        raise SettingsError(
            "SLACK_APP_TOKEN must start with 'xapp-': copy the app-level token (scope "
            "connections:write) from your app's Basic Information page, or unset it for "
            "HTTP mode."
        )
    bot_token = get.optional("SLACK_BOT_TOKEN")
    if bot_token is not None and not bot_token.startswith("xoxb-"):
        raise SettingsError(
            "SLACK_BOT_TOKEN must start with 'xoxb-': copy the Bot User OAuth Token from your "
            "app's OAuth & Permissions page."
        )
    signing_secret = get.optional("SLACK_SIGNING_SECRET")
    channel = get.optional("SANCTUARY_CHANNEL")
    if channel is not None and not _CHANNEL_ID.match(channel):
        raise SettingsError(
            f"SANCTUARY_CHANNEL must be a channel ID such as C0123ABCD, not {channel!r}: in "
            "Slack open the channel's details; the ID is at the bottom of the About tab."
        )
    staff = frozenset(s.strip() for s in (get.optional("SANCTUARY_STAFF") or "").split(","))
    staff = frozenset(s for s in staff if s)
    for user in staff:
        if not _USER_ID.match(user):
            raise SettingsError(
                f"SANCTUARY_STAFF must list Slack user IDs such as U0123ABCD separated by "
                f"commas; {user!r} is not one (in Slack: profile, ⋮, Copy member ID)."
            )
    if for_run:
        if bot_token is None:
            raise SettingsError(
                "SLACK_BOT_TOKEN is not set: put the bot token (xoxb-...) in the environment "
                "or in .env (see .env.example). To try the bot without Slack, run "
                "`sanctuary-bot demo`."
            )
        if app_token is None and signing_secret is None:
            raise SettingsError(
                "SLACK_SIGNING_SECRET is not set: HTTP mode needs it to verify Slack's "
                "requests (Basic Information > Signing Secret); or set SLACK_APP_TOKEN for "
                "Socket Mode."
            )
        if channel is None:
            raise SettingsError(
                "SANCTUARY_CHANNEL is not set: give the channel ID of the working group's "
                "channel (e.g. C0123ABCD) and invite the bot there."
            )
        if not staff:
            raise SettingsError(
                "SANCTUARY_STAFF is not set: list the Slack user IDs of staff, separated by "
                "commas (e.g. U0123ABCD,U0456EFGH)."
            )
    tz_name = get.optional("SANCTUARY_TIMEZONE") or "Europe/London"
    try:
        timezone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"SANCTUARY_TIMEZONE {tz_name!r} is not a known time zone: use an IANA name such "
            "as Europe/London."
        ) from None
    slack_api_url = get.optional("SLACK_API_URL") or DEFAULT_SLACK_API_URL
    if not re.match(r"^https?://", slack_api_url):
        raise SettingsError(
            f"SLACK_API_URL {slack_api_url!r} must be an http(s) URL such as "
            f"{DEFAULT_SLACK_API_URL} (or leave it unset)."
        )
    if not slack_api_url.endswith("/"):
        slack_api_url += "/"
    rules = ReviewRules(
        quorum_min_votes=get.integer("SANCTUARY_QUORUM_MIN_VOTES", 4, minimum=1),
        quorum_min_constituencies=get.integer(
            "SANCTUARY_QUORUM_MIN_CONSTITUENCIES", 3, minimum=1, maximum=len(CONSTITUENCIES)
        ),
        quorum_required=get.keywords("SANCTUARY_QUORUM_REQUIRED", ("lived",)),
        review_days=get.integer("SANCTUARY_REVIEW_DAYS", 14, minimum=1),
        vote_reminder_days=get.day_list("SANCTUARY_VOTE_REMINDER_DAYS", (3, 1)),
        quorum_warning_days=get.integer("SANCTUARY_QUORUM_WARNING_DAYS", 2, minimum=0),
        renewal_nag_days=get.day_list("SANCTUARY_RENEWAL_NAG_DAYS", (90, 30, 7, 0)),
        contact_retention_months=get.integer("SANCTUARY_CONTACT_RETENTION_MONTHS", 24, minimum=1),
        endorsement_max_age_months=get.integer(
            "SANCTUARY_ENDORSEMENT_MAX_AGE_MONTHS", 12, minimum=1, maximum=120
        ),
        renewal_window_months=get.integer(
            "SANCTUARY_RENEWAL_WINDOW_MONTHS", 12, minimum=0, maximum=120
        ),
        blind_tally=get.boolean("SANCTUARY_BLIND_TALLY", False),
    )
    return Settings(
        bot_token=bot_token,
        signing_secret=signing_secret,
        app_token=app_token,
        channel=channel,
        staff=staff,
        database_url=normalise_database_url(get.optional("DATABASE_URL")),
        slack_api_url=slack_api_url,
        port=get.integer("PORT", 3000, minimum=1, maximum=65535),
        timezone=timezone,
        rules=rules,
    )


def normalise_database_url(url: str | None) -> str:
    """Accept the URLs people have (`postgresql://`, `sqlite:///x.db`) and pick the async driver."""
    if not url:
        return f"sqlite+aiosqlite:///{Path.cwd() / DEFAULT_DATABASE_FILE}"
    for plain, async_form in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgresql+psycopg2://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return async_form + url[len(plain) :]
    if url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
        return url
    raise SettingsError(
        f"DATABASE_URL {url!r} is not supported: use postgresql://user:password@host/db or "
        "sqlite:///path/to/file.db (or leave it unset for a SQLite file here)."
    )


class _Reader:
    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def optional(self, name: str) -> str | None:
        value = self._env.get(name, "").strip()
        return value or None

    def parsed(self, name: str, default: T, parse: Callable[[str], T], wanted: str) -> T:
        """The setting as `parse` reads it, or `default` if it is unset; a value `parse`
        refuses (ValueError) is reported as not the `wanted` kind."""
        raw = self.optional(name)
        if raw is None:
            return default
        try:
            return parse(raw)
        except ValueError:
            raise SettingsError(f"{name} must be {wanted}, not {raw!r}.") from None

    def integer(self, name: str, default: int, *, minimum: int = 0, maximum: int = 10**6) -> int:
        wanted = f"a whole number between {minimum} and {maximum}"
        value = self.parsed(name, default, int, wanted)
        if not minimum <= value <= maximum:
            raise SettingsError(f"{name} must be between {minimum} and {maximum}, not {value}.")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        wanted = "true or false"
        return self.parsed(name, default, _boolean, wanted)

    def day_list(self, name: str, default: tuple[int, ...]) -> tuple[int, ...]:
        wanted = "whole numbers of days separated by commas (e.g. 90,30,7,0)"
        days = self.parsed(name, default, _days_descending, wanted)
        if not days or min(days) < 0:
            raise SettingsError(f"{name} needs at least one number of days, none negative.")
        return days

    def keywords(self, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
        raw = self.optional(name)
        if raw is None:
            return default
        words = tuple(w.strip() for w in raw.split(",") if w.strip())
        unknown = [w for w in words if w not in CONSTITUENCIES]
        if unknown:
            raise SettingsError(
                f"{name} lists unknown constituencies {', '.join(unknown)}: use any of "
                f"{', '.join(CONSTITUENCIES)} separated by commas."
            )
        return words


def _boolean(raw: str) -> bool:
    word = raw.lower()
    if word in ("true", "yes", "1", "on"):
        return True
    if word in ("false", "no", "0", "off"):
        return False
    raise ValueError(raw)


def _days_descending(raw: str) -> tuple[int, ...]:
    return tuple(sorted({int(part) for part in raw.split(",") if part.strip()}, reverse=True))
