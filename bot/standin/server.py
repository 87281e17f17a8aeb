"""An offline stand-in for Slack's Web API, served over real HTTP on loopback.

The bot talks to it exactly as it talks to Slack (`SLACK_API_URL` points its `AsyncWebClient`
here); tests read back what was sent and script failures such as `ratelimited`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import hashlib
import itertools
import json
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Protocol, Self

from aiohttp import web
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

from bot.standin.scopes import METHOD_SCOPES, manifest_scopes
from bot.standin.socket_mode import APP_TOKEN, SocketModeServer

BOT_TOKEN = "xoxb-standin-token"
BOT_USER_ID = "U0BOT00001"
BOT_ID = "B0BOT00001"
TEAM_ID = "T0STANDIN1"
CHANNEL_ID = "C0WORKGRP1"
APP_ID = "A0STANDIN1"
TEAM_DOMAIN = "standin"
WORKSPACE_URL = "https://standin.slack.test/"
DEFAULT_USER_ID = "U0PERSON01"
BOT_NAME = "sanctuary-bot"

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT = 40_000
MAX_VIEW_TITLE = 24
MAX_VIEW_BUTTON = 24
MAX_PRIVATE_METADATA = 3000
MAX_CALLBACK_ID = 255
MAX_VIEW_STACK = 3
TRIGGER_TTL = 3.0
RESPONSE_URL_MAX_POSTS = 5
RESPONSE_URL_TTL = 30 * 60.0

# Slack's ts values are epoch seconds with microseconds, unique in a workspace; the stand-in
# takes them from its clock, a step after the previous one when the clock has not moved.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TS_STEP_MICROS = 100
# Pages of conversations.history and conversations.replies: (default, largest) `limit`.
HISTORY_LIMITS = (100, 999)
REPLIES_LIMITS = (1000, 1000)
_JSON_ARGS = ("blocks", "view", "attachments", "metadata")
_ELEMENT_CONTAINER_KEYS = ("element", "accessory")


class Clock(Protocol):
    """What the stand-in takes its time from: the clock the bot is given (e.g. a FixedClock)."""

    def now(self) -> datetime: ...


class _RealTime:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class ApiCall:
    """One Web API call as the stand-in received it (token removed)."""

    method: str
    args: dict[str, Any]
    ok: bool
    error: str | None
    at: float


@dataclass(kw_only=True)
class Message:
    """A message in a channel: posted by the bot or added by a test on behalf of a person."""

    channel: str
    ts: str
    thread_ts: str | None
    user: str
    text: str
    blocks: list[dict[str, Any]] | None = None
    edited: int = 0
    reply_broadcast: bool = False
    # Message metadata ({"event_type", "event_payload"}), shown only to include_all_metadata.
    metadata: dict[str, Any] | None = None

    @property
    def is_bot(self) -> bool:
        return self.user == BOT_USER_ID

    def to_slack(self, *, include_metadata: bool = False) -> dict[str, Any]:
        """The message as Slack shows it in API answers and interaction payloads."""
        out: dict[str, Any] = {
            "type": "message",
            "user": self.user,
            "ts": self.ts,
            "text": self.text,
            "team": TEAM_ID,
        }
        if self.is_bot:
            out["bot_id"] = BOT_ID
            out["app_id"] = APP_ID
        if self.blocks is not None:
            out["blocks"] = copy.deepcopy(self.blocks)
        if self.thread_ts is not None:
            out["thread_ts"] = self.thread_ts
        if self.edited:
            out["edited"] = {"user": self.user, "ts": self.ts}
        if include_metadata and self.metadata is not None:
            out["metadata"] = copy.deepcopy(self.metadata)
        return out


@dataclass(frozen=True, kw_only=True)
class Ephemeral:
    """A message only `user` saw; `via` says how: chat.postEphemeral, response_url or ack."""

    channel: str
    user: str
    text: str
    blocks: list[dict[str, Any]] | None
    ts: str
    thread_ts: str | None
    via: str


@dataclass(frozen=True)
class ResponsePost:
    """One accepted POST to a response_url."""

    url: str
    body: dict[str, Any]


@dataclass(frozen=True)
class User:
    id: str
    name: str
    real_name: str
    is_bot: bool = False
    deleted: bool = False  # a deactivated account: users.info still finds it

    def to_slack(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "team_id": TEAM_ID,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name,
            "tz": "Europe/London",
            "is_bot": self.is_bot,
            "is_admin": False,
            "profile": {
                "real_name": self.real_name,
                "real_name_normalized": self.real_name,
                "display_name": self.name,
                "display_name_normalized": self.name,
                "team": TEAM_ID,
            },
        }


@dataclass
class Channel:
    id: str
    name: str
    member: bool
    is_private: bool = False
    im_user: str | None = None

    @property
    def scope_kind(self) -> str:
        """The prefix of the scopes that reach it: channels, groups, im or mpim."""
        if self.im_user is not None:
            return "im"
        if self.name.startswith("mpdm-"):
            return "mpim"
        return "groups" if self.is_private else "channels"

    def to_slack(self) -> dict[str, Any]:
        is_im = self.im_user is not None
        out: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "is_channel": not is_im and not self.is_private,
            "is_group": self.is_private,
            "is_im": is_im,
            "is_private": self.is_private or is_im,
            "is_member": self.member,
            "is_archived": False,
            "created": 1_600_000_000,
        }
        if self.im_user is not None:
            out["user"] = self.im_user
        return out


@dataclass
class _Fault:
    error: str | None
    retry_after: int | None
    status: int | None
    delay: float
    answer_delay: float = 0.0


@dataclass
class _Trigger:
    user: str
    expires: float
    used: bool = False


@dataclass
class _ResponseUrl:
    url: str
    channel: str | None
    user: str | None
    message_ts: str | None
    created: float
    posts: int = 0


class _ApiError(Exception):
    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def _invalid(error: str, errors: list[str]) -> _ApiError:
    return _ApiError(
        error,
        errors=errors,
        response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
    )


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def _metadata(args: dict[str, Any]) -> dict[str, Any] | None:
    """The `metadata` argument of chat.postMessage/chat.update, checked as Slack checks it."""
    metadata = args.get("metadata")
    if metadata is None or metadata == "":
        return None
    if (
        not isinstance(metadata, dict)
        or not isinstance(metadata.get("event_type"), str)
        or not metadata["event_type"]
        or not isinstance(metadata.get("event_payload"), dict)
    ):
        raise _ApiError("invalid_metadata_format")
    return {
        "event_type": metadata["event_type"],
        "event_payload": copy.deepcopy(metadata["event_payload"]),
    }


def _ts_key(value: str) -> tuple[int, int]:
    """A ts (or an `oldest`/`latest` such as "1700000000" or "1700000000.5") as (s, µs)."""
    seconds, _, fraction = value.strip().partition(".")
    if not seconds.isdigit() or (fraction and not fraction.isdigit()):
        raise ValueError(value)
    return int(seconds), int((fraction + "000000")[:6])


@dataclass(frozen=True)
class _Window:
    """`oldest`, `latest` and `inclusive` of conversations.history/replies."""

    oldest: tuple[int, int] | None
    latest: tuple[int, int] | None
    inclusive: bool

    @classmethod
    def of(cls, args: dict[str, Any]) -> _Window:
        bounds: list[tuple[int, int] | None] = []
        for name in ("oldest", "latest"):
            value = args.get(name)
            if value is None or value == "":
                bounds.append(None)
                continue
            try:
                bounds.append(_ts_key(str(value)))
            except ValueError:
                raise _ApiError(f"invalid_ts_{name}") from None
        return cls(bounds[0], bounds[1], _truthy(args.get("inclusive")))

    def holds(self, ts: str) -> bool:
        key = _ts_key(ts)
        if self.oldest is not None and (
            key < self.oldest or (key == self.oldest and not self.inclusive)
        ):
            return False
        return not (
            self.latest is not None
            and (key > self.latest or (key == self.latest and not self.inclusive))
        )


def _cursor_ts(args: dict[str, Any]) -> tuple[int, int] | None:
    """The ts a `cursor` (our own `next_cursor`) continues from; None on the first page."""
    cursor = args.get("cursor")
    if cursor is None or cursor == "":
        return None
    try:
        decoded = base64.b64decode(str(cursor), validate=True).decode()
        if not decoded.startswith("next_ts:"):
            raise ValueError(decoded)
        return _ts_key(decoded.removeprefix("next_ts:"))
    except ValueError:
        raise _ApiError("invalid_cursor") from None


def _limit(args: dict[str, Any], limits: tuple[int, int]) -> int:
    default, maximum = limits
    value = args.get("limit")
    if value is None or value == "":
        return default
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise _ApiError("invalid_limit") from None
    return default if limit <= 0 else min(limit, maximum)


def validate_blocks(blocks: Any, *, limit: int, where: str = "/blocks") -> list[str]:
    """Check blocks as Slack would; an empty list means they are acceptable."""
    if not isinstance(blocks, list):
        return [f"must be an array [json-pointer:{where}]"]
    errors: list[str] = []
    if len(blocks) > limit:
        errors.append(f"no more than {limit} items allowed [json-pointer:{where}]")
    seen: set[str] = set()
    for i, raw in enumerate(blocks):
        pointer = f"{where}/{i}"
        if not isinstance(raw, dict):
            errors.append(f"must be an object [json-pointer:{pointer}]")
            continue
        block_id = raw.get("block_id")
        if isinstance(block_id, str):
            if block_id in seen:
                errors.append(f"duplicate block_id {block_id!r} [json-pointer:{pointer}]")
            seen.add(block_id)
        try:
            parsed = Block.parse(raw)
            if parsed is None:
                errors.append(f"unsupported type {raw.get('type')!r} [json-pointer:{pointer}]")
                continue
            parsed.validate_json()
            # validate_json checks only the block itself; to_dict recurses into its elements.
            parsed.to_dict()
        except SlackObjectFormationError as exc:
            errors.append(f"{exc} [json-pointer:{pointer}]")
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            errors.append(f"malformed block ({exc}) [json-pointer:{pointer}]")
    return errors


def validate_view(view: Any, *, kind: str) -> list[str]:
    """Check a modal or Home view as views.open/push/update/publish would."""
    if not isinstance(view, dict):
        return ["must be an object [json-pointer:/view]"]
    errors: list[str] = []
    vtype = view.get("type")
    if vtype != kind:
        errors.append(f"type must be {kind!r} [json-pointer:/view/type]")
    title = view.get("title")
    if title is None:
        if kind == "modal":
            errors.append("title is required [json-pointer:/view/title]")
    else:
        errors.extend(_check_plain_text(title, MAX_VIEW_TITLE, "/view/title"))
    for key in ("submit", "close"):
        value = view.get(key)
        if value is None:
            continue
        if kind == "home":
            errors.append(f"home views cannot have {key} [json-pointer:/view/{key}]")
        else:
            errors.extend(_check_plain_text(value, MAX_VIEW_BUTTON, f"/view/{key}"))
    for key, limit in (
        ("private_metadata", MAX_PRIVATE_METADATA),
        ("callback_id", MAX_CALLBACK_ID),
        ("external_id", MAX_CALLBACK_ID),
    ):
        value = view.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            errors.append(f"must be a string [json-pointer:/view/{key}]")
        elif len(value) > limit:
            errors.append(f"must be at most {limit} characters [json-pointer:/view/{key}]")
    blocks = view.get("blocks")
    errors.extend(validate_blocks(blocks, limit=MAX_VIEW_BLOCKS, where="/view/blocks"))
    has_input = isinstance(blocks, list) and any(
        isinstance(b, dict) and b.get("type") == "input" for b in blocks
    )
    if kind == "modal" and has_input and view.get("submit") is None:
        errors.append("submit is required when the view has input blocks [json-pointer:/view]")
    return errors


def _check_plain_text(obj: Any, limit: int, pointer: str) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") != "plain_text":
        return [f"must be a plain_text object [json-pointer:{pointer}]"]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [f"text is required [json-pointer:{pointer}/text]"]
    if len(text) > limit:
        return [f"must be less than {limit + 1} characters [json-pointer:{pointer}/text]"]
    return []


def _fill_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copy blocks, giving ids to blocks and elements without one, as Slack does."""
    out = copy.deepcopy(blocks)
    for block in out:
        block.setdefault("block_id", secrets.token_urlsafe(4))
        elements: list[Any] = []
        for key in _ELEMENT_CONTAINER_KEYS:
            if isinstance(block.get(key), dict):
                elements.append(block[key])
        if block.get("type") == "actions" and isinstance(block.get("elements"), list):
            elements.extend(block["elements"])
        for element in elements:
            if isinstance(element, dict) and "type" in element and element["type"] != "image":
                element.setdefault("action_id", secrets.token_urlsafe(4))
    return out


class SlackStandIn:
    """Plays Slack's Web API and response_urls on 127.0.0.1 for one test or demo run."""

    def __init__(
        self,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        clock: Clock | None = None,
        scopes: Iterable[str] | None = None,
    ) -> None:
        """`clock`: where message ts values come from (give it the bot's clock; default: the
        real time). `scopes`: the bot token's scopes (default: those manifest.yml asks for)."""
        self._host = host
        self._requested_port = port
        self._port: int | None = None
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Event()
        self._counter = itertools.count(1)
        self._clock: Clock = clock or _RealTime()
        self._last_ts_micros = 0
        self._scopes: list[str] = list(manifest_scopes() if scopes is None else scopes)
        self.warnings: list[str] = []
        self._users: dict[str, User] = {}
        self._channels: dict[str, Channel] = {}
        self._calls: list[ApiCall] = []
        self._faults: dict[str, deque[_Fault]] = {}
        self._messages: dict[str, list[Message]] = {}
        self._ephemerals: list[Ephemeral] = []
        self._triggers: dict[str, _Trigger] = {}
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._responses: list[ResponsePost] = []
        self._views: dict[str, dict[str, Any]] = {}
        self._view_owner: dict[str, str] = {}
        self._stacks: dict[str, list[str]] = {}
        self._homes: dict[str, str] = {}
        self._view_errors: dict[str, dict[str, str]] = {}
        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "chat.delete": self._chat_delete,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "users.info": self._users_info,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
        }
        self.socket_mode = SocketModeServer(APP_ID)
        self.add_user(BOT_USER_ID, BOT_NAME, "Sanctuary Bot", is_bot=True)
        self.add_channel(CHANNEL_ID, member=True, name="la-network-working-group", private=True)

    # ---- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        if self._runner is not None:
            return
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response/{token}", self._handle_response_url)
        app.router.add_get("/socket-mode", self.socket_mode.handle)
        # A short shutdown: a delayed (time-out) answer must not hold stop() for a minute.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._requested_port)
        await site.start()
        self._runner = runner
        address = runner.addresses[0]
        self._port = int(address[1])

    async def stop(self) -> None:
        await self.socket_mode.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None
        self._port = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("the Slack stand-in is not started")
        return f"http://{self._host}:{self._port}"

    @property
    def api_url(self) -> str:
        """Base URL for `AsyncWebClient(base_url=...)`; the trailing slash matters to urljoin."""
        return f"{self.base_url}/api/"

    # ---- directory ---------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        real_name: str | None = None,
        *,
        is_bot: bool = False,
        deleted: bool = False,
    ) -> User:
        user = User(user_id, name, real_name or name, is_bot, deleted)
        self._users[user_id] = user
        return user

    def user(self, user_id: str) -> User | None:
        return self._users.get(user_id)

    def user_names(self) -> dict[str, str]:
        """User id -> display name, for rendering mentions."""
        return {uid: u.name for uid, u in self._users.items()}

    def channel_names(self) -> dict[str, str]:
        """Channel id -> name, for rendering channel links (`<#C…>`) as Slack shows them."""
        return {cid: c.name for cid, c in self._channels.items() if c.im_user is None}

    def add_channel(
        self,
        channel_id: str,
        member: bool = True,
        *,
        name: str | None = None,
        private: bool = False,
    ) -> Channel:
        channel = Channel(channel_id, name or channel_id.lower(), member, private)
        self._channels[channel_id] = channel
        return channel

    def set_bot_member(self, channel_id: str, member: bool) -> None:
        self._channels[channel_id].member = member

    @property
    def scopes(self) -> tuple[str, ...]:
        """The bot token's scopes, as Slack lists them in `x-oauth-scopes`."""
        return tuple(self._scopes)

    def grant(self, *scopes: str) -> None:
        """Add scopes to the bot token, as reinstalling the app with a wider manifest does."""
        self._scopes += [s for s in scopes if s not in self._scopes]

    def revoke(self, *scopes: str) -> None:
        """Take scopes away (an app installed before its manifest asked for them)."""
        self._scopes = [s for s in self._scopes if s not in scopes]

    def channel(self, channel_id: str) -> Channel | None:
        return self._channels.get(channel_id)

    def dm_channel_id(self, user_id: str) -> str:
        """The id of the bot's DM with `user_id`, opening it if needed (stable per user)."""
        channel_id = "D" + user_id[1:]
        if channel_id not in self._channels:
            self._channels[channel_id] = Channel(
                channel_id, channel_id.lower(), True, im_user=user_id
            )
        return channel_id

    # ---- faults ------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        error: str | None = "ratelimited",
        times: int = 1,
        retry_after: int | None = None,
        status: int | None = None,
        delay: float = 0.0,
        answer_delay: float = 0.0,
    ) -> None:
        """Make the next `times` calls of `method` fail.

        `ratelimited` answers 429 with Retry-After (default 1); `status` >= 500 answers that
        status with an HTML body; `delay` waits first (for client time-outs), and with
        `error=None` the call then succeeds normally. `answer_delay` (with `error=None`) is
        Slack accepting the call at once and answering late: what it does is done (a message
        is posted) before the wait, so a client that times out never learns of it.
        """
        queue = self._faults.setdefault(method, deque())
        for _ in range(times):
            queue.append(_Fault(error, retry_after, status, delay, answer_delay))

    # ---- triggers and response_urls -----------------------------------------------------------

    def mint_trigger_id(self, user_id: str = DEFAULT_USER_ID, *, ttl: float = TRIGGER_TTL) -> str:
        """A trigger_id for `user_id`, usable once within `ttl` seconds (monotonic clock)."""
        n = next(self._counter)
        trigger_id = f"{int(time.time())}.{n}.{secrets.token_hex(16)}"
        self._triggers[trigger_id] = _Trigger(user_id, time.monotonic() + ttl)
        return trigger_id

    def expire_triggers(self) -> None:
        """Let every outstanding trigger_id lapse, without waiting three seconds."""
        for trigger in self._triggers.values():
            trigger.expires = 0.0

    def mint_response_url(
        self,
        *,
        channel: str | None = None,
        user: str | None = None,
        message_ts: str | None = None,
    ) -> str:
        token = secrets.token_urlsafe(18)
        url = f"{self.base_url}/response/{token}"
        self._response_urls[token] = _ResponseUrl(url, channel, user, message_ts, time.monotonic())
        return url

    def responses(self, token_or_url: str | None = None) -> list[ResponsePost]:
        if token_or_url is None:
            return list(self._responses)
        token = token_or_url.rstrip("/").rsplit("/", 1)[-1]
        return [r for r in self._responses if r.url.rsplit("/", 1)[-1] == token]

    # ---- recorded state ------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[ApiCall]:
        return [c for c in self._calls if method is None or c.method == method]

    def reset(self) -> None:
        """Forget calls, messages, views, responses, faults and warnings (keep users/channels)."""
        self._calls.clear()
        self._faults.clear()
        self._messages.clear()
        self._ephemerals.clear()
        self._responses.clear()
        self._views.clear()
        self._view_owner.clear()
        self._stacks.clear()
        self._homes.clear()
        self._view_errors.clear()
        self.warnings.clear()

    def messages(self, channel: str = CHANNEL_ID) -> list[Message]:
        """Top-level messages of a channel in order (thread replies broadcast too)."""
        return [
            m for m in self._messages.get(channel, []) if m.thread_ts is None or m.reply_broadcast
        ]

    def thread(self, channel: str, ts: str) -> list[Message]:
        """Replies in the thread under the message `ts`, in order."""
        return [m for m in self._messages.get(channel, []) if m.thread_ts == ts]

    def find_message(self, channel: str, ts: str) -> Message | None:
        for message in self._messages.get(channel, []):
            if message.ts == ts:
                return message
        return None

    def ephemerals(self, user: str | None = None) -> list[Ephemeral]:
        return [e for e in self._ephemerals if user is None or e.user == user]

    def find_ephemeral(self, ts: str) -> Ephemeral | None:
        return next((e for e in self._ephemerals if e.ts == ts), None)

    def next_ts(self) -> str:
        """A new message ts: the clock's time, or a step after the last ts if that is later."""
        now = (self._clock.now() - _EPOCH) // timedelta(microseconds=1)
        micros = max(now, self._last_ts_micros + _TS_STEP_MICROS)
        self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def add_user_message(
        self, channel: str, user: str, text: str, thread_ts: str | None = None
    ) -> Message:
        """Record a person's message, as if typed in Slack; send the event separately."""
        if channel not in self._channels:
            raise KeyError(f"unknown channel {channel}")
        message = Message(
            channel=channel,
            ts=self.next_ts(),
            thread_ts=self._thread_parent(channel, thread_ts),
            user=user,
            text=text,
        )
        self._messages.setdefault(channel, []).append(message)
        self._notify()
        return message

    def edit_message(self, channel: str, ts: str, text: str) -> Message:
        """Change a message's text as its author would (for message_changed events)."""
        message = self.find_message(channel, ts)
        if message is None:
            raise KeyError(f"no message {ts} in {channel}")
        message.text = text
        message.edited += 1
        self._notify()
        return message

    def delete_message(self, channel: str, ts: str) -> Message:
        message = self.find_message(channel, ts)
        if message is None:
            raise KeyError(f"no message {ts} in {channel}")
        self._messages[channel].remove(message)
        self._notify()
        return message

    def record_ack_output(self, channel: str, user: str, body: dict[str, Any]) -> None:
        """Show what a slash command's ack said, as Slack would (ephemeral unless in_channel)."""
        text = body.get("text") if isinstance(body.get("text"), str) else ""
        blocks = body.get("blocks") if isinstance(body.get("blocks"), list) else None
        if not text and not blocks:
            return
        if blocks and not str(text).strip():
            self._warn("missing_text_fallback", "ack", channel)
        if body.get("response_type") == "in_channel" and channel in self._channels:
            self._append_bot_message(channel, str(text), blocks, None)
        else:
            self._add_ephemeral(channel, user, str(text), blocks, None, via="ack")

    # ---- views ---------------------------------------------------------------------------

    def view(self, view_id: str) -> dict[str, Any] | None:
        return self._views.get(view_id)

    def open_views(self, user_id: str) -> list[dict[str, Any]]:
        """The user's modal stack, root first."""
        return [self._views[v] for v in self._stacks.get(user_id, [])]

    def last_view(self, user_id: str) -> dict[str, Any] | None:
        stack = self._stacks.get(user_id)
        return self._views[stack[-1]] if stack else None

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        view_id = self._homes.get(user_id)
        return self._views[view_id] if view_id else None

    def view_errors(self, view_id: str) -> dict[str, str] | None:
        """The field errors last returned in a view_submission ack for that view."""
        return self._view_errors.get(view_id)

    def close_view(self, user_id: str, view_id: str | None = None, *, clear: bool = False) -> None:
        """Close the top modal (or `view_id` and those above it), or all with `clear`."""
        stack = self._stacks.get(user_id, [])
        if clear:
            stack.clear()
        elif view_id is None:
            if stack:
                stack.pop()
        elif view_id in stack:
            del stack[stack.index(view_id) :]
        self._notify()

    def apply_submission_ack(self, user_id: str, view_id: str, ack: Any) -> None:
        """Do what Slack does with a view_submission ack body (close, errors, update, push)."""
        action = ack.get("response_action") if isinstance(ack, dict) else None
        self._view_errors.pop(view_id, None)
        if action is None:
            self.close_view(user_id, view_id)
        elif action == "clear":
            self.close_view(user_id, clear=True)
        elif action == "errors":
            errors = ack.get("errors") if isinstance(ack, dict) else None
            view = self._views.get(view_id)
            inputs = {
                b.get("block_id")
                for b in (view or {}).get("blocks", [])
                if isinstance(b, dict) and b.get("type") == "input"
            }
            if not isinstance(errors, dict) or not errors:
                self._warn("invalid_response_action", "errors must be a non-empty object", "")
                return
            unknown = sorted(k for k in errors if k not in inputs)
            if unknown:
                # Slack refuses the whole ack and the user sees a generic failure.
                self._warn("invalid_response_action", f"errors for unknown blocks {unknown}", "")
                return
            self._view_errors[view_id] = {str(k): str(v) for k, v in errors.items()}
        elif action in ("update", "push"):
            new_view = ack.get("view") if isinstance(ack, dict) else None
            errors = validate_view(new_view, kind="modal")
            if errors:
                self._warn("invalid_response_action", "; ".join(errors), "")
                return
            assert isinstance(new_view, dict)
            if action == "update":
                self._replace_view(view_id, new_view)
            else:
                stack = self._stacks.setdefault(user_id, [])
                if len(stack) >= MAX_VIEW_STACK:
                    self._warn("invalid_response_action", "push_limit_reached", "")
                    return
                self._push_view(user_id, new_view)
        else:
            self._warn("invalid_response_action", f"unknown response_action {action!r}", "")
        self._notify()

    # ---- waiting ---------------------------------------------------------------------------

    # A timeout argument (not asyncio.timeout) keeps test call sites one short line.
    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> None:
        """Wait until `predicate()` holds, re-checking whenever the stand-in's state changes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError("the Slack stand-in did not reach the expected state")
            event = self._changed
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                continue

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[ApiCall]:
        """Wait for `count` successful calls of `method` in total; return them."""

        def ok_calls() -> list[ApiCall]:
            return [c for c in self._calls if c.method == method and c.ok]

        try:
            await self.wait_until(lambda: len(ok_calls()) >= count, timeout)
        except TimeoutError:
            seen = [f"{c.method}:{c.error or 'ok'}" for c in self._calls]
            raise TimeoutError(
                f"waited {timeout}s for {count} successful {method} call(s); calls so far: {seen}"
            ) from None
        return ok_calls()

    def _notify(self) -> None:
        # Wake every waiter, then arm a fresh event for the next change.
        self._changed.set()
        self._changed = asyncio.Event()

    def _warn(self, code: str, where: str, channel: str) -> None:
        self.warnings.append(f"{code}: {where} {channel}".rstrip())

    # ---- HTTP: Web API -------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        args = await self._read_args(request)
        token = self._token(request, args)
        args.pop("token", None)
        headers = self._scope_headers(method, token)
        queue = self._faults.get(method)
        fault = queue.popleft() if queue else None
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            answer = self._fault_response(method, args, fault)
            if answer is not None:
                answer.headers.update(headers)
                return answer
        if method == "apps.connections.open":
            return self._apps_connections_open(args, token)
        handler = self._methods.get(method)
        try:
            if token is None:
                raise _ApiError("not_authed")
            if token != BOT_TOKEN:
                raise _ApiError("invalid_auth")
            if handler is None:
                raise _ApiError("unknown_method")
            self._check_scope(method, args)
            result = handler(args)
        except _ApiError as exc:
            self._record(method, args, exc.error)
            body = {"ok": False, "error": exc.error, **exc.extra}
            return web.json_response(body, headers=headers)
        self._record(method, args, None)
        if fault is not None and fault.answer_delay:
            # Done and recorded; only the answer is late (the client may have given up).
            await asyncio.sleep(fault.answer_delay)
        return web.json_response({"ok": True, **result}, headers=headers)

    def _scope_headers(self, method: str, token: str | None) -> dict[str, str]:
        """Slack's `x-oauth-scopes` (what the token holds) and `x-accepted-oauth-scopes` (what
        the method accepts), on every answer to a known token."""
        if token == APP_TOKEN:
            return {"x-oauth-scopes": "connections:write"}
        if token != BOT_TOKEN:
            return {}
        headers = {"x-oauth-scopes": ",".join(self._scopes)}
        accepted = METHOD_SCOPES.get(method)
        if accepted:
            headers["x-accepted-oauth-scopes"] = ",".join(accepted)
        return headers

    def _check_scope(self, method: str, args: dict[str, Any]) -> None:
        """Refuse with `missing_scope` as Slack does: `needed` names what the call lacks (all
        the method accepts if the token has none of them), `provided` what the token has."""
        accepted = METHOD_SCOPES.get(method)
        if not accepted:
            return
        held = set(self._scopes)
        needed: str | None = None
        if not held.intersection(accepted):
            needed = ",".join(accepted)
        else:
            specific = self._scope_for(method, args)
            if specific is not None and specific not in held:
                needed = specific
        if needed is not None:
            raise _ApiError("missing_scope", needed=needed, provided=",".join(self._scopes))

    def _scope_for(self, method: str, args: dict[str, Any]) -> str | None:
        """The one scope this call needs, where it depends on the kind of conversation."""
        if method == "conversations.open":
            users = args.get("users")
            if isinstance(users, str) and users.strip():
                return "mpim:write" if "," in users.strip(", ") else "im:write"
        channel = self._channels.get(str(args.get("channel", "")))
        if channel is None:
            return None  # the method itself answers channel_not_found
        kind = channel.scope_kind
        if method in ("conversations.history", "conversations.replies"):
            return f"{kind}:history"
        if method == "conversations.info":
            return f"{kind}:read"
        if method == "conversations.open":
            return {"channels": "channels:manage", "groups": "groups:write"}.get(
                kind, f"{kind}:write"
            )
        return None

    def _fault_response(
        self, method: str, args: dict[str, Any], fault: _Fault
    ) -> web.StreamResponse | None:
        if fault.status == 429 or (fault.status is None and fault.error == "ratelimited"):
            self._record(method, args, "ratelimited")
            retry_after = 1 if fault.retry_after is None else fault.retry_after
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(retry_after)},
            )
        if fault.status is not None:
            self._record(method, args, f"http_{fault.status}")
            # HTML, not JSON or text/plain: slack_sdk then raises SlackApiError with the status.
            return web.Response(
                status=fault.status,
                text=f"<html><body>{fault.status} Server Error</body></html>",
                content_type="text/html",
            )
        if fault.error is not None:
            self._record(method, args, fault.error)
            return web.json_response({"ok": False, "error": fault.error})
        return None

    async def _read_args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    body = None
                if isinstance(body, dict):
                    args.update(body)
            else:
                form = await request.post()
                args.update({k: v for k, v in form.items() if isinstance(v, str)})
        for key in _JSON_ARGS:
            # Form posts (and some JSON clients) send these as JSON-encoded strings.
            value = args.get(key)
            if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
                with contextlib.suppress(ValueError):
                    args[key] = json.loads(value)
        return args

    @staticmethod
    def _token(request: web.Request, args: Mapping[str, Any]) -> str | None:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return header[len("Bearer ") :].strip()
        token = args.get("token")
        return token if isinstance(token, str) and token else None

    def _record(self, method: str, args: dict[str, Any], error: str | None) -> None:
        self._calls.append(ApiCall(method, copy.deepcopy(args), error is None, error, time.time()))
        self._notify()

    # ---- HTTP: response_url ----------------------------------------------------------------------

    async def _handle_response_url(self, request: web.Request) -> web.StreamResponse:
        entry = self._response_urls.get(request.match_info["token"])
        if entry is None:
            return web.Response(status=404, text="invalid_token")
        if time.monotonic() - entry.created > RESPONSE_URL_TTL:
            return web.Response(status=404, text="expired_url")
        if entry.posts >= RESPONSE_URL_MAX_POSTS:
            return web.Response(status=404, text="used_url")
        try:
            raw = await request.read()
            body = json.loads(raw or b"null")
        except ValueError:
            return web.Response(status=400, text="invalid_payload")
        if not isinstance(body, dict):
            return web.Response(status=400, text="invalid_payload")
        for key in ("blocks", "attachments"):
            if isinstance(body.get(key), str):
                try:
                    body[key] = json.loads(body[key])
                except ValueError:
                    return web.Response(status=400, text="invalid_blocks_format")
        error = self._apply_response(entry, body)
        if error is not None:
            return web.Response(status=400, text=error)
        entry.posts += 1
        self._responses.append(ResponsePost(entry.url, body))
        self._notify()
        return web.Response(text="ok")

    def _apply_response(self, entry: _ResponseUrl, body: dict[str, Any]) -> str | None:
        text = body.get("text")
        text = text if isinstance(text, str) else ""
        blocks = body.get("blocks")
        if blocks is not None:
            if validate_blocks(blocks, limit=MAX_MESSAGE_BLOCKS):
                return "invalid_blocks"
            blocks = _fill_ids(blocks)
        if len(text) > MAX_TEXT:
            return "msg_too_long"
        channel = entry.channel or ""
        if _truthy(body.get("delete_original")):
            if entry.channel and entry.message_ts:
                message = self.find_message(entry.channel, entry.message_ts)
                if message is not None:
                    self._messages[entry.channel].remove(message)
            return None
        if not text and not blocks:
            return "no_text"
        if blocks and not text.strip():
            self._warn("missing_text_fallback", "response_url", channel)
        if _truthy(body.get("replace_original")) and entry.channel and entry.message_ts:
            message = self.find_message(entry.channel, entry.message_ts)
            if message is not None:
                message.text = text
                message.blocks = blocks
                message.edited += 1
                return None
        thread_ts = body.get("thread_ts") if isinstance(body.get("thread_ts"), str) else None
        if body.get("response_type") == "in_channel" and entry.channel in self._channels:
            assert entry.channel is not None
            self._append_bot_message(entry.channel, text, blocks, thread_ts)
        elif entry.user is not None:
            self._add_ephemeral(channel, entry.user, text, blocks, thread_ts, via="response_url")
        return None

    # ---- Web API methods ---------------------------------------------------------------------

    def _apps_connections_open(self, args: dict[str, Any], token: str | None) -> web.Response:
        """Socket Mode's entry: only the app-level token may open a connection."""
        if token != APP_TOKEN:
            error = "not_allowed_token_type" if token == BOT_TOKEN else "invalid_auth"
            self._record("apps.connections.open", args, error)
            return web.json_response({"ok": False, "error": error})
        self._record("apps.connections.open", args, None)
        url = f"ws://{self._host}:{self._port}/socket-mode"
        return web.json_response({"ok": True, "url": url})

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": WORKSPACE_URL,
            "team": "City of Sanctuary (stand-in)",
            "user": BOT_NAME,
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _postable_channel(self, value: Any) -> Channel:
        if not isinstance(value, str) or not value:
            raise _ApiError("channel_not_found")
        if value[0] in "UW":
            # Posting to a user id goes to the bot's DM with them.
            if value not in self._users:
                raise _ApiError("channel_not_found")
            return self._channels[self.dm_channel_id(value)]
        if value.startswith("#"):
            found = next((c for c in self._channels.values() if c.name == value[1:]), None)
        else:
            found = self._channels.get(value)
        if found is None:
            raise _ApiError("channel_not_found")
        if not found.member:
            raise _ApiError("not_in_channel")
        return found

    def _content(
        self, args: dict[str, Any], method: str, channel: str, *, require: bool = True
    ) -> tuple[str | None, list[dict[str, Any]] | None]:
        text = args.get("text")
        if text is not None and not isinstance(text, str):
            text = str(text)
        blocks = args.get("blocks")
        if blocks is not None:
            if isinstance(blocks, str):
                raise _ApiError("invalid_blocks_format")
            errors = validate_blocks(blocks, limit=MAX_MESSAGE_BLOCKS)
            if errors:
                raise _invalid("invalid_blocks", errors)
            blocks = _fill_ids(blocks)
        if text is not None and len(text) > MAX_TEXT:
            raise _ApiError("msg_too_long")
        if require and not text and not blocks and not args.get("attachments"):
            raise _ApiError("no_text")
        if blocks and not (text or "").strip():
            # Slack accepts this, but notifications and screen readers get nothing.
            self._warn("missing_text_fallback", method, channel)
        return text, blocks

    def _thread_parent(self, channel: str, thread_ts: Any) -> str | None:
        if not isinstance(thread_ts, str) or not thread_ts:
            return None
        parent = self.find_message(channel, thread_ts)
        if parent is None:
            self._warn("thread_ts_unknown", thread_ts, channel)
            return thread_ts
        # Replying to a reply lands in the same thread, under its parent.
        return parent.thread_ts or parent.ts

    def _append_bot_message(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None,
        thread_ts: str | None,
        *,
        broadcast: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> Message:
        message = Message(
            channel=channel,
            ts=self.next_ts(),
            thread_ts=self._thread_parent(channel, thread_ts),
            user=BOT_USER_ID,
            text=text,
            blocks=blocks,
            reply_broadcast=broadcast and thread_ts is not None,
            metadata=metadata,
        )
        self._messages.setdefault(channel, []).append(message)
        return message

    def _add_ephemeral(
        self,
        channel: str,
        user: str,
        text: str,
        blocks: list[dict[str, Any]] | None,
        thread_ts: str | None,
        *,
        via: str,
    ) -> Ephemeral:
        ephemeral = Ephemeral(
            channel=channel,
            user=user,
            text=text,
            blocks=blocks,
            ts=self.next_ts(),
            thread_ts=thread_ts,
            via=via,
        )
        self._ephemerals.append(ephemeral)
        return ephemeral

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._postable_channel(args.get("channel"))
        text, blocks = self._content(args, "chat.postMessage", channel.id)
        metadata = _metadata(args)
        thread_ts = args.get("thread_ts") if isinstance(args.get("thread_ts"), str) else None
        message = self._append_bot_message(
            channel.id,
            text or "",
            blocks,
            thread_ts,
            broadcast=_truthy(args.get("reply_broadcast")),
            metadata=metadata,
        )
        return {"channel": channel.id, "ts": message.ts, "message": message.to_slack()}

    def _existing_bot_message(self, args: dict[str, Any], ts_key: str, verb: str) -> Message:
        channel = args.get("channel")
        if not isinstance(channel, str) or channel not in self._channels:
            raise _ApiError("channel_not_found")
        message = self.find_message(channel, str(args.get(ts_key, "")))
        if message is None:
            raise _ApiError("message_not_found")
        if not message.is_bot:
            raise _ApiError(f"cant_{verb}_message")
        return message

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        message = self._existing_bot_message(args, "ts", "update")
        text, blocks = self._content(args, "chat.update", message.channel, require=False)
        if text is None and "blocks" not in args:
            raise _ApiError("no_text")
        metadata = _metadata(args)
        if metadata is not None:  # without it, the message keeps the metadata it has
            message.metadata = metadata
        if text is not None:
            message.text = text
        if "blocks" in args:
            # Slack keeps the old blocks when none are sent; an empty list removes them.
            message.blocks = blocks or None
        message.edited += 1
        return {
            "channel": message.channel,
            "ts": message.ts,
            "text": message.text,
            "message": message.to_slack(),
        }

    def _chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        message = self._existing_bot_message(args, "ts", "delete")
        self._messages[message.channel].remove(message)
        return {"channel": message.channel, "ts": message.ts}

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._postable_channel(args.get("channel"))
        user = args.get("user")
        if not isinstance(user, str) or not user:
            raise _ApiError("user_not_in_channel")
        text, blocks = self._content(args, "chat.postEphemeral", channel.id)
        thread_ts = args.get("thread_ts") if isinstance(args.get("thread_ts"), str) else None
        ephemeral = self._add_ephemeral(
            channel.id, user, text or "", blocks, thread_ts, via="chat.postEphemeral"
        )
        return {"message_ts": ephemeral.ts}

    def _chat_get_permalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        if not isinstance(channel, str) or channel not in self._channels:
            raise _ApiError("channel_not_found")
        message = self.find_message(channel, str(args.get("message_ts", "")))
        if message is None:
            raise _ApiError("message_not_found")
        link = f"{WORKSPACE_URL}archives/{channel}/p{message.ts.replace('.', '')}"
        if message.thread_ts is not None:
            link += f"?thread_ts={message.thread_ts}&cid={channel}"
        return {"channel": channel, "permalink": link}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users_arg = args.get("users")
        if not isinstance(users_arg, str) or not users_arg.strip():
            channel_id = args.get("channel")
            if isinstance(channel_id, str) and channel_id in self._channels:
                return {"channel": {"id": channel_id}, "no_op": True, "already_open": True}
            raise _ApiError("users_list_not_supplied")
        users = [u.strip() for u in users_arg.split(",") if u.strip()]
        if any(u[:1] not in ("U", "W") for u in users):
            raise _ApiError("user_not_found")
        if len(users) == 1:
            already = "D" + users[0][1:] in self._channels
            channel_id = self.dm_channel_id(users[0])
        else:
            digest = hashlib.sha1(",".join(sorted(users)).encode()).hexdigest()[:9].upper()
            channel_id = "G" + digest
            already = channel_id in self._channels
            if not already:
                self._channels[channel_id] = Channel(channel_id, f"mpdm-{digest}", True, True)
        answer: dict[str, Any] = {"channel": {"id": channel_id}}
        if already:
            answer.update(no_op=True, already_open=True)
        return answer

    def _readable_channel(self, args: dict[str, Any]) -> Channel:
        channel = self._channels.get(str(args.get("channel", "")))
        if channel is None:
            raise _ApiError("channel_not_found")
        if not channel.member:
            raise _ApiError("not_in_channel")
        return channel

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        """Top-level messages (and replies also sent to the channel), newest first, between
        `oldest` and `latest` (exclusive unless `inclusive`), a page of `limit` at a time."""
        channel = self._readable_channel(args)
        window = _Window.of(args)
        after = _cursor_ts(args)
        found = [
            m
            for m in reversed(self._messages.get(channel.id, []))
            if (m.thread_ts is None or m.reply_broadcast)
            and window.holds(m.ts)
            and (after is None or _ts_key(m.ts) < after)
        ]
        limit = _limit(args, HISTORY_LIMITS)
        page = found[:limit]
        metadata = _truthy(args.get("include_all_metadata"))
        answer = self._page([self._listed(m, metadata) for m in page], len(found) > limit)
        return {**answer, "pin_count": 0}

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        """A thread: its parent first (on the first page only), then the replies between
        `oldest` and `latest` in the order they were posted, a page of `limit` at a time."""
        channel = self._readable_channel(args)
        named = self.find_message(channel.id, str(args.get("ts", "")))
        if named is None:
            raise _ApiError("thread_not_found")
        parent = named
        if named.thread_ts is not None:
            parent = self.find_message(channel.id, named.thread_ts) or named
        window = _Window.of(args)
        after = _cursor_ts(args)
        found = [
            m
            for m in self._messages.get(channel.id, [])
            if m.thread_ts == parent.ts
            and window.holds(m.ts)
            and (after is None or _ts_key(m.ts) > after)
        ]
        limit = _limit(args, REPLIES_LIMITS)
        page = found[:limit] if after is not None else [parent, *found[:limit]]
        metadata = _truthy(args.get("include_all_metadata"))
        return self._page([self._listed(m, metadata) for m in page], len(found) > limit)

    @staticmethod
    def _page(messages: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
        next_cursor = ""
        if has_more:
            next_cursor = base64.b64encode(f"next_ts:{messages[-1]['ts']}".encode()).decode()
        return {
            "messages": messages,
            "has_more": has_more,
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _listed(self, message: Message, include_metadata: bool) -> dict[str, Any]:
        """A message as conversations.history/replies list it, with its thread's summary."""
        out = message.to_slack(include_metadata=include_metadata)
        if message.thread_ts is None:
            replies = self.thread(message.channel, message.ts)
            if replies:
                out.update(
                    thread_ts=message.ts,
                    reply_count=len(replies),
                    reply_users=sorted({r.user for r in replies}),
                    latest_reply=replies[-1].ts,
                )
        elif message.reply_broadcast:
            out["subtype"] = "thread_broadcast"
        return out

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channels.get(str(args.get("channel", "")))
        # A private channel is invisible to a bot that is not in it, as in Slack.
        if channel is None or (channel.is_private and not channel.member):
            raise _ApiError("channel_not_found")
        return {"channel": channel.to_slack()}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self._users.get(str(args.get("user", "")))
        if user is None:
            raise _ApiError("user_not_found")
        return {"user": user.to_slack()}

    # ---- views methods ---------------------------------------------------------------------

    def _use_trigger(self, trigger_id: Any) -> str:
        trigger = self._triggers.get(trigger_id) if isinstance(trigger_id, str) else None
        if trigger is None:
            raise _ApiError("invalid_trigger_id")
        if trigger.used:
            raise _ApiError("exchanged_trigger_id")
        if time.monotonic() > trigger.expires:
            raise _ApiError("expired_trigger_id")
        trigger.used = True
        return trigger.user

    def _checked_view(
        self, args: dict[str, Any], kind: str, *, own_id: str | None = None
    ) -> dict[str, Any]:
        view = args.get("view")
        if isinstance(view, str):
            raise _invalid("invalid_arguments", ["view must be JSON [json-pointer:/view]"])
        errors = validate_view(view, kind=kind)
        if errors:
            raise _invalid("invalid_arguments", errors)
        assert isinstance(view, dict)
        external_id = view.get("external_id")
        if external_id and any(
            v.get("external_id") == external_id for k, v in self._views.items() if k != own_id
        ):
            raise _ApiError("duplicate_external_id")
        return view

    def _new_view_id(self) -> str:
        return f"V{next(self._counter):09d}"

    def _build_view(
        self,
        raw: dict[str, Any],
        view_id: str,
        *,
        root_view_id: str | None,
        previous_view_id: str | None,
    ) -> dict[str, Any]:
        return {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": raw.get("type"),
            "title": copy.deepcopy(raw.get("title")),
            "submit": copy.deepcopy(raw.get("submit")),
            "close": copy.deepcopy(raw.get("close")),
            "blocks": _fill_ids(raw.get("blocks") or []),
            "private_metadata": raw.get("private_metadata", ""),
            "callback_id": raw.get("callback_id", ""),
            "external_id": raw.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "clear_on_close": _truthy(raw.get("clear_on_close", False)),
            "notify_on_close": _truthy(raw.get("notify_on_close", False)),
            "previous_view_id": previous_view_id,
            "root_view_id": root_view_id or view_id,
            "app_id": APP_ID,
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        }

    def _push_view(self, user: str, raw: dict[str, Any]) -> dict[str, Any]:
        stack = self._stacks.setdefault(user, [])
        view_id = self._new_view_id()
        root = stack[0] if stack else None
        previous = stack[-1] if stack else None
        view = self._build_view(raw, view_id, root_view_id=root, previous_view_id=previous)
        self._views[view_id] = view
        self._view_owner[view_id] = user
        stack.append(view_id)
        return view

    def _replace_view(self, view_id: str, raw: dict[str, Any]) -> dict[str, Any]:
        old = self._views[view_id]
        view = self._build_view(
            raw,
            view_id,
            root_view_id=old["root_view_id"],
            previous_view_id=old["previous_view_id"],
        )
        self._views[view_id] = view
        return view

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        raw = self._checked_view(args, "modal")
        user = self._use_trigger(args.get("trigger_id"))
        # A new modal replaces whatever stack the user had open.
        self._stacks[user] = []
        return {"view": self._push_view(user, raw)}

    def _views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        raw = self._checked_view(args, "modal")
        user = self._use_trigger(args.get("trigger_id"))
        stack = self._stacks.get(user, [])
        if not stack:
            raise _invalid("invalid_arguments", ["no modal is open to push onto"])
        if len(stack) >= MAX_VIEW_STACK:
            raise _ApiError("push_limit_reached")
        return {"view": self._push_view(user, raw)}

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id = args.get("view_id")
        external_id = args.get("external_id")
        if view_id is None and external_id:
            view_id = next(
                (k for k, v in self._views.items() if v.get("external_id") == external_id), None
            )
        old = self._views.get(view_id) if isinstance(view_id, str) else None
        if old is None:
            raise _ApiError("not_found")
        assert isinstance(view_id, str)
        expected_hash = args.get("hash")
        if expected_hash and expected_hash != old["hash"]:
            raise _ApiError("hash_conflict")
        kind = "home" if old["type"] == "home" else "modal"
        raw = self._checked_view(args, kind, own_id=view_id)
        return {"view": self._replace_view(view_id, raw)}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user = args.get("user_id")
        if not isinstance(user, str) or user[:1] not in ("U", "W"):
            raise _ApiError("invalid_arguments")
        raw = args.get("view")
        if isinstance(raw, dict):
            raw = {k: v for k, v in raw.items() if k != "external_id"}
        errors = validate_view(raw, kind="home")
        if errors:
            raise _invalid("invalid_arguments", errors)
        assert isinstance(raw, dict)
        existing = self._homes.get(user)
        if existing is not None:
            expected_hash = args.get("hash")
            if expected_hash and expected_hash != self._views[existing]["hash"]:
                raise _ApiError("hash_conflict")
            return {"view": self._replace_view(existing, raw)}
        view_id = self._new_view_id()
        view = self._build_view(raw, view_id, root_view_id=None, previous_view_id=None)
        self._views[view_id] = view
        self._view_owner[view_id] = user
        self._homes[user] = view_id
        return {"view": view}


__all__ = [
    "APP_ID",
    "BOT_ID",
    "BOT_TOKEN",
    "BOT_USER_ID",
    "CHANNEL_ID",
    "DEFAULT_USER_ID",
    "TEAM_ID",
    "ApiCall",
    "Channel",
    "Ephemeral",
    "Message",
    "ResponsePost",
    "SlackStandIn",
    "User",
    "validate_blocks",
    "validate_view",
]
