"""What the bot checks before it starts: Slack accepts its tokens, the working group's channel is
private with the bot in it, the database opens. Each failure is a `StartupError` whose one line
names the cause and the fix; `sanctuary-bot run` stops with it and `sanctuary-bot doctor` lists
it. Slack out of reach is not a failure of the settings: `patiently` tries again, quietly.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.config import Settings
from bot.domain.scopes import BOT_SCOPES, missing_scopes
from models.db import describe_database_error, make_engine, missing_sqlite_folder
from models.migrate import upgrade

log = logging.getLogger(__name__)

T = TypeVar("T")

# Pauses between attempts to reach Slack: growing, then every minute.
RETRY_PAUSES_SECONDS = (1, 2, 4, 8, 15, 30, 60)
INVITE = "/invite @Sanctuary Network"
REINSTALL = (
    "reinstall the app to the workspace (README: 'Upgrading: reinstall the app when its "
    "scopes change')"
)
# Slack's answers that mean "this token is not (or no longer) good".
TOKEN_REFUSALS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "not_allowed_token_type",
    }
)


class StartupError(Exception):
    """Something the bot needs at start is wrong; the message (one line) says what and how to
    fix it."""


class SlackUnreachable(Exception):
    """No answer from Slack (no route, a time-out, a 5xx): worth trying again later."""


@dataclass(frozen=True)
class BotIdentity:
    """What `auth.test` says of the bot token."""

    user: str
    user_id: str
    team: str
    scopes: str | None  # the `x-oauth-scopes` header: what the token was granted

    @property
    def missing_scopes(self) -> list[str]:
        return missing_scopes(self.scopes)


def checking_client(settings: Settings) -> AsyncWebClient:
    """A Web API client for the checks: no retries of its own (`patiently` decides, and says
    so in one line)."""
    return AsyncWebClient(
        token=settings.bot_token,
        base_url=settings.slack_api_url,
        timeout=settings.slack_timeout,
        retry_handlers=[],
    )


async def slack_answer(call: Awaitable[Any]) -> Any:
    """Slack's answer to `call`, with "no answer" (network, time-out, 5xx) as SlackUnreachable."""
    try:
        return await call
    except SlackApiError as error:
        if error.response.status_code >= 500:
            raise SlackUnreachable(f"Slack answered HTTP {error.response.status_code}") from None
        raise
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        raise SlackUnreachable(_reason(error)) from None


def _reason(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "no answer in time"
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _code(error: SlackApiError) -> str:
    return str(error.response.get("error") or "unknown_error")


async def check_bot_token(client: AsyncWebClient) -> BotIdentity:
    """`auth.test`: the bot token is one Slack accepts."""
    try:
        answer = await slack_answer(client.auth_test())
    except SlackApiError as error:
        code = _code(error)
        if code in TOKEN_REFUSALS:
            raise StartupError(
                f"Slack refuses SLACK_BOT_TOKEN ({code}): copy the Bot User OAuth Token "
                "(xoxb-...) from your app's OAuth & Permissions page into SLACK_BOT_TOKEN "
                "(install the app to the workspace first if it has none)."
            ) from None
        raise StartupError(f"Slack's auth.test failed ({code}): check SLACK_BOT_TOKEN.") from None
    return BotIdentity(
        user=str(answer.get("user") or ""),
        user_id=str(answer.get("user_id") or ""),
        team=str(answer.get("team") or ""),
        scopes=answer.headers.get("x-oauth-scopes"),
    )


async def check_channel(client: AsyncWebClient, channel_id: str) -> str:
    """`conversations.info`: the working group's channel is private and the bot is in it
    (DESIGN.md section 3: votes and identities stay in the working group). Its name."""
    try:
        answer = await slack_answer(client.conversations_info(channel=channel_id))
    except SlackApiError as error:
        code = _code(error)
        if code == "missing_scope":
            # Slack names every scope the method accepts; say those this app asks for.
            accepted = str(error.response.get("needed") or "").split(",")
            needed = [scope for scope in BOT_SCOPES if scope in accepted] or ["groups:read"]
            raise StartupError(
                f"The app lacks the scope{'s' if len(needed) > 1 else ''} {', '.join(needed)}, "
                f"which checking SANCTUARY_CHANNEL needs: {REINSTALL}."
            ) from None
        if code == "channel_not_found":
            raise StartupError(
                f"SANCTUARY_CHANNEL {channel_id} was not found: check the ID (channel details, "
                f"About, at the bottom); a private channel is found only once the bot is in it: "
                f"type {INVITE} in the channel."
            ) from None
        raise StartupError(
            f"Slack could not look up SANCTUARY_CHANNEL {channel_id} ({code}): check the ID."
        ) from None
    channel = answer["channel"]
    name = f"#{channel.get('name') or channel_id}"
    if not channel.get("is_private"):
        raise StartupError(
            f"SANCTUARY_CHANNEL {name} is public, and the working group's reviews must stay in "
            "the group: make it private (channel details, Settings, Change to a private "
            "channel), or give the ID of a private channel."
        )
    if channel.get("is_archived"):
        raise StartupError(
            f"SANCTUARY_CHANNEL {name} is archived: unarchive it, or give another channel's ID."
        )
    if not channel.get("is_member"):
        raise StartupError(f"The bot is not in {name}: type {INVITE} in the channel.")
    return name


async def open_socket_url(client: AsyncWebClient, app_token: str) -> str:
    """`apps.connections.open`: Slack accepts the app-level token; the URL to connect to."""
    try:
        answer = await slack_answer(client.apps_connections_open(app_token=app_token))
    except SlackApiError as error:
        code = _code(error)
        if code in TOKEN_REFUSALS:
            raise StartupError(
                f"Slack refuses SLACK_APP_TOKEN ({code}): create an app-level token with the "
                "scope connections:write (Basic Information, App-Level Tokens) and put it in "
                "SLACK_APP_TOKEN, or unset it to run in HTTP mode."
            ) from None
        raise StartupError(
            f"Slack would not open a Socket Mode connection ({code}): switch Socket Mode on "
            "in the app's settings (Socket Mode), or unset SLACK_APP_TOKEN for HTTP mode."
        ) from None
    return str(answer["url"])


def _pauses() -> Iterator[float]:
    yield from RETRY_PAUSES_SECONDS
    while True:
        yield RETRY_PAUSES_SECONDS[-1]


async def patiently(step: Callable[[], Awaitable[T]], what: str) -> T:
    """`step()`, tried again while Slack cannot be reached: one log line per attempt, growing
    pauses. A refusal (StartupError) ends it at once."""
    for attempt, pause in enumerate(_pauses(), start=1):
        try:
            return await step()
        except SlackUnreachable as error:
            log.warning(
                "Cannot reach Slack to %s (%s); trying again in %g s (attempt %d)",
                what,
                error,
                pause,
                attempt,
            )
        await asyncio.sleep(pause)
    raise AssertionError("unreachable")  # pragma: no cover (the pauses never end)


class PatientSocketModeClient(SocketModeClient):
    """Socket Mode that waits quietly while Slack is out of reach, and gives up for good when
    Slack refuses the app token: `refused` then holds the one line to stop with."""

    def __init__(self, app_token: str, web_client: AsyncWebClient) -> None:
        super().__init__(app_token=app_token, web_client=web_client)
        self.refused: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def issue_new_wss_url(self) -> str:
        async def once() -> str:
            return await open_socket_url(self.web_client, self.app_token)

        try:
            return await patiently(once, "open a Socket Mode connection")
        except StartupError as refusal:
            if not self.refused.done():
                self.refused.set_result(str(refusal))
        # The runtime stops on `refused` and cancels this; raising instead would have the
        # client log a traceback and try again every few seconds, for ever.
        await asyncio.Event().wait()
        raise AssertionError("unreachable")  # pragma: no cover


async def open_database(url: str, *, migrate: bool = True) -> AsyncEngine:
    """An engine on `url`, connected once (and the schema upgraded, unless `migrate` is false);
    a database that cannot be opened is a StartupError naming the cause and the fix."""
    missing = missing_sqlite_folder(url)
    if missing is not None:
        raise StartupError(missing)
    engine = make_engine(url)
    try:
        if migrate:
            await upgrade(engine)
        else:
            async with engine.connect():
                pass
    except Exception as error:
        await engine.dispose()
        message = describe_database_error(error, url)
        if message is None:
            raise
        raise StartupError(message) from None
    return engine
