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
# sqlite://, sqlite:///:memory:, sqlite+aiosqlite:// (with or without query options).
_IN_MEMORY_SQLITE = re.compile(r"^sqlite(\+\w+)?://(/(:memory:)?)?(\?.*)?$")

T = TypeVar("T")


class SettingsError(Exception):
    """Settings are missing or malformed: one line per problem, each naming the setting and
    how to fix it (every problem at once, not one per run)."""

    def __init__(self, *problems: str) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def load_settings(
    env: Mapping[str, str], *, for_run: bool = False, for_slack: bool = False
) -> Settings:
    """Read and check every setting. `for_slack` also requires what talking to the workspace
    needs (token, channel, staff: `scan`, `doctor`); `for_run` that and what `sanctuary-bot run`
    needs to receive Slack's requests (the signing secret, or the app token)."""
    get = _Reader(env)
    problems: list[str] = []

    def check(read: Callable[[], T], default: T) -> T:
        try:
            return read()
        except SettingsError as error:
            problems.extend(error.problems)
            return default

    app_token = get.optional("SLACK_APP_TOKEN")
    if app_token is not None and not app_token.startswith("xapp-"):
        problems.append(
            "SLACK_APP_TOKEN must start with 'xapp-': copy the app-level token (scope "
            "connections:write) from your app's Basic Information page, or unset it for "
            "HTTP mode."
        )
    bot_token = get.optional("SLACK_BOT_TOKEN")
    if bot_token is not None and not bot_token.startswith("xoxb-"):
        problems.append(
            "SLACK_BOT_TOKEN must start with 'xoxb-': copy the Bot User OAuth Token from your "
            "app's OAuth & Permissions page."
        )
    signing_secret = get.optional("SLACK_SIGNING_SECRET")
    channel = get.optional("SANCTUARY_CHANNEL")
    if channel is not None and not _CHANNEL_ID.match(channel):
        problems.append(
            f"SANCTUARY_CHANNEL must be a channel ID such as C0123ABCD, not {channel!r}: in "
            "Slack open the channel's details; the ID is at the bottom of the About tab."
        )
    staff = frozenset(s.strip() for s in (get.optional("SANCTUARY_STAFF") or "").split(","))
    staff = frozenset(s for s in staff if s)
    not_ids = sorted(user for user in staff if not _USER_ID.match(user))
    if not_ids:
        problems.append(
            f"SANCTUARY_STAFF must list Slack user IDs such as U0123ABCD separated by "
            f"commas; {', '.join(map(repr, not_ids))} "
            f"{'is not one' if len(not_ids) == 1 else 'are not'} "
            "(in Slack: profile, ⋮, Copy member ID)."
        )
    if for_run or for_slack:
        if bot_token is None:
            problems.append(
                "SLACK_BOT_TOKEN is not set: put the bot token (xoxb-...) in the environment "
                "or in .env (see .env.example). To try the bot without Slack, run "
                "`sanctuary-bot demo`."
            )
        if for_run and app_token is None and signing_secret is None:
            problems.append(
                "SLACK_SIGNING_SECRET is not set: HTTP mode needs it to verify Slack's "
                "requests (Basic Information > Signing Secret); or set SLACK_APP_TOKEN for "
                "Socket Mode."
            )
        if channel is None:
            problems.append(
                "SANCTUARY_CHANNEL is not set: give the channel ID of the working group's "
                "private channel (e.g. C0123ABCD) and invite the bot there."
            )
        if not staff:
            problems.append(
                "SANCTUARY_STAFF is not set: list the Slack user IDs of staff, separated by "
                "commas (e.g. U0123ABCD,U0456EFGH)."
            )
    tz_name = get.optional("SANCTUARY_TIMEZONE") or "Europe/London"
    timezone = ZoneInfo("Europe/London")
    try:
        timezone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            f"SANCTUARY_TIMEZONE {tz_name!r} is not a known time zone: use an IANA name such "
            "as Europe/London."
        )
    slack_api_url = get.optional("SLACK_API_URL") or DEFAULT_SLACK_API_URL
    if not re.match(r"^https?://", slack_api_url):
        problems.append(
            f"SLACK_API_URL {slack_api_url!r} must be an http(s) URL such as "
            f"{DEFAULT_SLACK_API_URL} (or leave it unset)."
        )
    if not slack_api_url.endswith("/"):
        slack_api_url += "/"
    defaults = ReviewRules()
    rules = ReviewRules(
        quorum_min_votes=check(
            lambda: get.integer("SANCTUARY_QUORUM_MIN_VOTES", 4, minimum=1),
            defaults.quorum_min_votes,
        ),
        quorum_min_constituencies=check(
            lambda: get.integer(
                "SANCTUARY_QUORUM_MIN_CONSTITUENCIES", 3, minimum=1, maximum=len(CONSTITUENCIES)
            ),
            defaults.quorum_min_constituencies,
        ),
        quorum_required=check(
            lambda: get.keywords("SANCTUARY_QUORUM_REQUIRED", ("lived",)),
            defaults.quorum_required,
        ),
        review_days=check(
            lambda: get.integer("SANCTUARY_REVIEW_DAYS", 14, minimum=1), defaults.review_days
        ),
        vote_reminder_days=check(
            lambda: get.day_list("SANCTUARY_VOTE_REMINDER_DAYS", (3, 1)),
            defaults.vote_reminder_days,
        ),
        quorum_warning_days=check(
            lambda: get.integer("SANCTUARY_QUORUM_WARNING_DAYS", 2, minimum=0),
            defaults.quorum_warning_days,
        ),
        renewal_nag_days=check(
            lambda: get.day_list("SANCTUARY_RENEWAL_NAG_DAYS", (90, 30, 7, 0)),
            defaults.renewal_nag_days,
        ),
        contact_retention_months=check(
            lambda: get.integer("SANCTUARY_CONTACT_RETENTION_MONTHS", 24, minimum=1),
            defaults.contact_retention_months,
        ),
        endorsement_max_age_months=check(
            lambda: get.integer("SANCTUARY_ENDORSEMENT_MAX_AGE_MONTHS", 12, minimum=1, maximum=120),
            defaults.endorsement_max_age_months,
        ),
        renewal_window_months=check(
            lambda: get.integer("SANCTUARY_RENEWAL_WINDOW_MONTHS", 12, minimum=0, maximum=120),
            defaults.renewal_window_months,
        ),
        blind_tally=check(
            lambda: get.boolean("SANCTUARY_BLIND_TALLY", False), defaults.blind_tally
        ),
    )
    database_url = check(lambda: normalise_database_url(get.optional("DATABASE_URL")), "")
    port = check(lambda: get.integer("PORT", 3000, minimum=1, maximum=65535), 3000)
    if problems:
        raise SettingsError(*problems)
    return Settings(
        bot_token=bot_token,
        signing_secret=signing_secret,
        app_token=app_token,
        channel=channel,
        staff=staff,
        database_url=database_url,
        slack_api_url=slack_api_url,
        port=port,
        timezone=timezone,
        rules=rules,
    )


def normalise_database_url(url: str | None) -> str:
    """Accept the URLs people have (`postgresql://`, `sqlite:///x.db`) and pick the async driver."""
    if not url:
        return f"sqlite+aiosqlite:///{Path.cwd() / DEFAULT_DATABASE_FILE}"
    if _IN_MEMORY_SQLITE.match(url):
        # Each connection would see its own empty database, and everything is lost at exit.
        raise SettingsError(
            f"DATABASE_URL {url!r} is an in-memory SQLite database, gone when the bot stops: "
            "give a file, e.g. sqlite:///sanctuary.db (or leave it unset for one here)."
        )
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
