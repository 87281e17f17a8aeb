"""`sanctuary-bot doctor`: everything a real workspace needs, checked and listed, changing
nothing (DESIGN.md section 6)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import make_url

from bot.domain.config import Settings
from bot.domain.scopes import BOT_SCOPES
from bot.preflight import (
    REINSTALL,
    BotIdentity,
    SlackUnreachable,
    StartupError,
    check_bot_token,
    check_channel,
    checking_client,
    open_database,
    open_socket_url,
    slack_answer,
)
from models.db import is_sqlite
from models.migrate import current_revision, head_revision


@dataclass(frozen=True)
class Finding:
    """One line of the checklist."""

    ok: bool
    what: str
    detail: str


async def examine(settings: Settings) -> list[Finding]:
    """Every check, in the order an administrator would fix them."""
    client = checking_client(settings)
    findings: list[Finding] = []
    identity = await _bot_token(client, settings, findings)
    if identity is not None:
        findings.append(_scopes(identity))
        findings.append(await _channel(client, settings))
        findings.append(await _staff(client, settings))
    findings.append(await _database(settings))
    if settings.socket_mode:
        findings.append(await _app_token(client, settings))
    else:
        findings.append(
            Finding(True, "Signing secret", "set (HTTP mode)")
            if settings.signing_secret
            else Finding(
                False,
                "Signing secret",
                "SLACK_SIGNING_SECRET is not set: HTTP mode needs it (Basic Information, "
                "Signing Secret), or set SLACK_APP_TOKEN for Socket Mode.",
            )
        )
    return findings


def _unreachable(settings: Settings, error: SlackUnreachable) -> str:
    return f"cannot reach Slack at {settings.slack_api_url} ({error}): check the network."


async def _bot_token(
    client: AsyncWebClient, settings: Settings, findings: list[Finding]
) -> BotIdentity | None:
    try:
        identity = await check_bot_token(client)
    except StartupError as refusal:
        findings.append(Finding(False, "Bot token", str(refusal)))
        return None
    except SlackUnreachable as error:
        findings.append(Finding(False, "Bot token", _unreachable(settings, error)))
        return None
    findings.append(
        Finding(True, "Bot token", f"Slack accepts it: @{identity.user} in {identity.team}")
    )
    return identity


def _scopes(identity: BotIdentity) -> Finding:
    if identity.scopes is None:
        return Finding(False, "Scopes", "Slack did not list the token's scopes (x-oauth-scopes).")
    missing = identity.missing_scopes
    if missing:
        return Finding(False, "Scopes", f"the app lacks {', '.join(missing)}: {REINSTALL}.")
    return Finding(True, "Scopes", f"all {len(BOT_SCOPES)} that the bot needs are granted")


async def _channel(client: AsyncWebClient, settings: Settings) -> Finding:
    try:
        name = await check_channel(client, settings.channel or "")
    except StartupError as problem:
        return Finding(False, "Channel", str(problem))
    except SlackUnreachable as error:
        return Finding(False, "Channel", _unreachable(settings, error))
    return Finding(True, "Channel", f"{name} exists, is private, and the bot is in it")


async def _staff(client: AsyncWebClient, settings: Settings) -> Finding:
    names: list[str] = []
    problems: list[str] = []
    for user_id in sorted(settings.staff):
        try:
            answer = await slack_answer(client.users_info(user=user_id))
        except SlackApiError as error:
            code = str(error.response.get("error") or "unknown_error")
            if code == "missing_scope":
                needed = error.response.get("needed") or "users:read"
                return Finding(False, "Staff", f"the app lacks {needed}: {REINSTALL}.")
            problems.append(
                f"{user_id} is not a member of this workspace"
                if code == "user_not_found"
                else f"{user_id}: Slack said {code}"
            )
            continue
        except SlackUnreachable as error:
            return Finding(False, "Staff", _unreachable(settings, error))
        user = answer["user"]
        name = str(user.get("real_name") or user.get("name") or user_id)
        if user.get("deleted"):
            problems.append(f"{user_id} ({name}) is deactivated")
        elif user.get("is_bot"):
            problems.append(f"{user_id} ({name}) is a bot, not a person")
        else:
            names.append(name)
    if problems:
        return Finding(
            False,
            "Staff",
            f"{'; '.join(problems)}: correct SANCTUARY_STAFF (in Slack: profile, ⋮, Copy "
            "member ID).",
        )
    return Finding(
        True, "Staff", f"{len(names)} active member(s) of the workspace: {', '.join(names)}"
    )


def _missing_sqlite_file(url: str) -> Path | None:
    """The SQLite file `url` names, if it does not exist (connecting would create it empty)."""
    if not is_sqlite(url):
        return None
    path = Path(make_url(url).database or "")
    return None if path.exists() else path


async def _database(settings: Settings) -> Finding:
    url = settings.database_url
    missing = _missing_sqlite_file(url)
    if missing is not None:
        return Finding(
            False,
            "Database",
            f"there is no database at {missing} yet: `sanctuary-bot db upgrade` creates it "
            "(`sanctuary-bot run` does too).",
        )
    try:
        engine = await open_database(url, migrate=False)
    except StartupError as problem:
        return Finding(False, "Database", str(problem))
    try:
        current = await current_revision(engine)
    finally:
        await engine.dispose()
    latest = head_revision()
    if current == latest:
        return Finding(True, "Database", f"reachable, at the latest revision ({latest})")
    at = f"at revision {current}" if current else "reachable, but has no tables yet"
    return Finding(
        False,
        "Database",
        f"{at} (the latest is {latest}): run `sanctuary-bot db upgrade` (`run` also upgrades "
        "at start).",
    )


async def _app_token(client: AsyncWebClient, settings: Settings) -> Finding:
    try:
        await open_socket_url(client, settings.app_token or "")
    except StartupError as refusal:
        return Finding(False, "App token", str(refusal))
    except SlackUnreachable as error:
        return Finding(False, "App token", _unreachable(settings, error))
    return Finding(True, "App token", "Slack opens Socket Mode connections with it")
