"""Requests from Slack, from the raw bytes to a listener: checked, stored, handled once.

1. The signature is checked over the raw bytes before anything parses them, and the body is
   capped, so an anonymous caller costs a hash at most (bolt-python would parse first, and log
   the whole body of a badly signed request).
2. A request that may change something is stored in the inbox (bot/services/inbox.py) before
   Slack is answered, so that a 200 always means "durable". Its signature is unique there: a
   replay is refused.
3. The listener's end marks it handled; what a crash interrupted is handled again by the next
   instance to look (`redeliver_unhandled`: at start, then every few seconds), its answers
   going to the request's `response_url` (valid for 30 minutes), or as a DM after that.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import send_async_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.listener.async_listener_completion_handler import (
    AsyncListenerCompletionHandler,
)
from slack_bolt.listener.async_listener_start_handler import AsyncListenerStartHandler
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.sending.context import Deps
from bot.sending.db_errors import DATABASE_FAILURES, is_database_unavailable
from bot.services import inbox
from models.locks import InstanceLife

log = logging.getLogger(__name__)

# Slack refuses requests whose timestamp is more than five minutes off; so do we.
SIGNATURE_WINDOW_SECONDS = 300
# The largest request Slack sends this bot, by content type, with a little room: measured on
# every surface (tests/e2e/test_request_limits.py) at 480 kB for forms (a 40,000-character
# slash command; a vote on the largest post is 100 kB) and 1.9 MB for JSON (an edited
# 40,000-character thread reply: before and after, each as text and as blocks).
MAX_BODY_BYTES = {
    "application/x-www-form-urlencoded": 512 * 1024,
    "application/json": 2560 * 1024,
}
# Bodies up to this size are read at once; larger ones one at a time (`read_signed`), with a
# pause after each that turns out not to be Slack's.
SMALL_BODY_BYTES = 64 * 1024
LARGE_REFUSAL_PAUSE_SECONDS = 0.1
# Requests whose acknowledgement is always empty: answered 200 as soon as they are stored.
ACKED_WHEN_STORED = frozenset({"block_actions", "event_callback"})
# Requests that change nothing: not stored, not remembered (a replay of them is harmless).
READ_ONLY_TYPES = frozenset({"url_verification", "block_suggestion", "app_home_opened"})

# Bodies larger than this are hashed on a worker thread (`check_signature`).
HASH_ON_THREAD_BYTES = 64 * 1024
# Slack waits 3 s for an answer: a request not stored by then is answered with an error, so that
# Slack (or the person, clicking again) retries, rather than a 200 that a crash could undo.
STORE_WITHIN_SECONDS = 2.0
# A stored click's work waits (at most this long) for the requests arriving with it to be
# answered: acknowledgements first (see `Inbound._after_the_answers`).
ANSWERS_FIRST_SECONDS = 0.05
_UNREADABLE = (ValueError, KeyError, TypeError, AttributeError, RecursionError)
# The inbox's "content type" of a request that came over Socket Mode (its body is JSON).
SOCKET_MODE = "socket-mode"

_INBOX_ID = "inbox_request_id"
_STARTED = "inbox_listener_started"


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str  # for the log (no request content)


def check_timestamp(headers: Mapping[str, str], *, now: float | None = None) -> Refusal | None:
    """None if the request's timestamp is ASCII digits within Slack's five minutes (401 if not);
    checkable before a byte of the body is read."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return Refusal(401, "missing or malformed timestamp")
    moment = time.time() if now is None else now
    if abs(moment - int(timestamp)) > SIGNATURE_WINDOW_SECONDS:
        return Refusal(401, "timestamp outside Slack's five-minute window")
    return None


async def check_signature(
    signing_secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
) -> Refusal | None:
    """None if Slack signed `body` within the window; otherwise why not (always 401).

    A large body is hashed on a worker thread (hashlib lets go of the GIL), so that anonymous
    callers posting big bodies do not hold up the event loop that answers real clicks.
    """
    refusal = check_timestamp(headers, now=now)
    if refusal is not None:
        return refusal
    timestamp = headers["X-Slack-Request-Timestamp"]
    signature = headers.get("X-Slack-Signature", "")
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    mac = hmac.new(signing_secret.encode(), digestmod=hashlib.sha256)
    if len(base) > HASH_ON_THREAD_BYTES:
        await asyncio.to_thread(mac.update, base)
    else:
        mac.update(base)
    expected = "v0=" + mac.hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        return Refusal(401, "bad signature")
    return None


def changes_something(body: Mapping[str, Any]) -> bool:
    """Whether a (parsed) request may change anything, and so must be stored and never replayed."""
    if not isinstance(body, Mapping):
        raise TypeError("the payload is not an object")
    if body.get("ssl_check"):
        return False
    kind = body.get("type")
    if kind == "event_callback":
        event = body.get("event")
        kind = event.get("type") if isinstance(event, dict) else None
    return kind not in READ_ONLY_TYPES


def wall_clock() -> datetime:
    """Inbox times are real time (see bot/services/inbox.py), whatever clock the rules use."""
    return datetime.now(UTC)


class Inbound:
    """This process's entrance for Slack's requests (HTTP and Socket Mode alike)."""

    def __init__(
        self, app: AsyncApp, deps: Deps, life: InstanceLife, store: inbox.InboxStore
    ) -> None:
        self.app = app
        self.deps = deps
        self.life = life
        self.store = store
        self.writer = inbox.InboxWriter(store.sessions)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._large_bodies = asyncio.Semaphore(1)
        self._arriving = 0
        self._all_answered = asyncio.Event()
        self._all_answered.set()
        runner = app.listener_runner
        runner.listener_start_handler = _ListenerStarted()
        runner.listener_completion_handler = _ListenerFinished(self)

    @contextlib.contextmanager
    def arriving(self) -> Iterator[None]:
        """Around each HTTP request to `/slack/events`, from its first byte to its answer."""
        self._arriving += 1
        self._all_answered.clear()
        try:
            yield
        finally:
            self._arriving -= 1
            if self._arriving == 0:
                self._all_answered.set()

    async def _after_the_answers(self) -> None:
        """Let the requests arriving now be answered before this one's work starts (at most
        `ANSWERS_FIRST_SECONDS`): in a burst of clicks, Slack waits for each 200 and nobody
        waits for the work, which all goes through one database connection anyway."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(ANSWERS_FIRST_SECONDS):
                await self._all_answered.wait()

    async def read_signed(self, request: web.Request) -> bytes | Refusal:
        """The body of an HTTP request, once its size and Slack's signature over it are right.

        Bodies over the limit for their type are refused before they are read. Large ones
        (over `SMALL_BODY_BYTES`, or of unknown length) are read and checked one at a time:
        real ones are rare, and anonymous callers posting big bodies then cost one body's
        work at a time, while the small requests that votes are go straight through.
        """
        limit = MAX_BODY_BYTES.get(request.content_type)
        if limit is None:
            return Refusal(415, "not a content type Slack sends")
        length = request.content_length
        if length is not None and length > limit:
            return Refusal(413, "body over the size limit")
        if length is not None and length <= SMALL_BODY_BYTES:
            return await self._read_and_check(request, limit)
        async with self._large_bodies:
            body = await self._read_and_check(request, limit)
            if isinstance(body, Refusal):
                # Whoever sends large bodies Slack did not sign waits before the next is read.
                await asyncio.sleep(LARGE_REFUSAL_PAUSE_SECONDS)
            return body

    async def _read_and_check(self, request: web.Request, limit: int) -> bytes | Refusal:
        refusal = check_timestamp(request.headers)  # before reading a byte of the body
        if refusal is not None:
            return refusal
        raw = bytearray()
        async for chunk in request.content.iter_chunked(64 * 1024):
            raw += chunk
            if len(raw) > limit:
                return Refusal(413, "body over the size limit")
        body = bytes(raw)
        secret = self.deps.settings.signing_secret or ""
        refusal = await check_signature(secret, request.headers, body)
        return refusal if refusal is not None else body

    async def receive(
        self, *, raw: bytes, headers: Mapping[str, str], query: str
    ) -> BoltResponse | Refusal:
        """One HTTP request to `POST /slack/events`, its signed body read by `read_signed`."""
        try:
            text = raw.decode("utf-8")
            request = AsyncBoltRequest(body=text, query=query, headers=dict(headers))
        except _UNREADABLE as error:  # not UTF-8, not JSON, nested too deep, not an object
            return Refusal(400, f"unreadable body ({type(error).__name__})")
        return await self._store_then_dispatch(
            request,
            key=headers.get("X-Slack-Signature", ""),
            content_type=headers.get("Content-Type", ""),
            body=text,
        )

    async def receive_socket(
        self, *, payload: dict[str, Any], envelope_id: str
    ) -> BoltResponse | Refusal:
        """One request over Socket Mode: stored (by its envelope id) before the socket acks."""
        try:
            request = AsyncBoltRequest(body=payload, mode="socket_mode")
        except _UNREADABLE as error:
            return Refusal(400, f"unreadable payload ({type(error).__name__})")
        return await self._store_then_dispatch(
            request, key=f"socket:{envelope_id}", content_type=SOCKET_MODE, body=json.dumps(payload)
        )

    async def _store_then_dispatch(
        self, request: AsyncBoltRequest, *, key: str, content_type: str, body: str
    ) -> BoltResponse | Refusal:
        try:
            stored = changes_something(request.body)
        except _UNREADABLE as error:
            return Refusal(400, f"malformed payload ({type(error).__name__})")
        is_event = request.body.get("type") == "event_callback"
        request_id: int | None = None
        if stored:
            try:
                request_id = await asyncio.wait_for(
                    self.writer.remember(
                        signature=key,
                        content_type=content_type,
                        body=body,
                        now=wall_clock(),
                        instance=self.life.number,
                    ),
                    STORE_WITHIN_SECONDS,
                )
            except TimeoutError:
                return Refusal(503, "the request could not be stored in time")
            except DATABASE_FAILURES as error:
                if not is_database_unavailable(error) or is_event:
                    return Refusal(503, "the database is unavailable: Slack will retry the event")
                # A person is waiting: the listener meets the outage too and tells them,
                # clearly, that nothing was saved (bot/sending/db_errors.py).
            else:
                if request_id is None and is_event:
                    # Slack's own retry of an event (new signatures, unless sent within the
                    # same second): its event id makes it harmless, and Slack wants its 200.
                    return BoltResponse(status=200, body="")
                if request_id is None:
                    return Refusal(401, "replayed request (its signature was used already)")
        if request_id is not None and request.body.get("type") in ACKED_WHEN_STORED:
            # Stored, so Slack may have its 200 now: the listener's own ack() would add
            # nothing, and waiting for it would make each click wait for the work of the
            # clicks before it on a busy process.
            task = asyncio.get_running_loop().create_task(
                self._dispatch_quietly(request, request_id)
            )
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
            return BoltResponse(status=200, body="")
        try:
            return await self._dispatch(request, request_id)
        except _UNREADABLE as error:  # a forged shape Bolt's routing trips over
            if request_id is not None:
                await self.mark_handled(request_id)
            return Refusal(400, f"malformed payload ({type(error).__name__})")

    async def _dispatch_quietly(self, request: AsyncBoltRequest, request_id: int) -> None:
        await self._after_the_answers()
        try:
            await self._dispatch(request, request_id)
        except _UNREADABLE as error:  # a forged shape Bolt's routing trips over
            log.info("Dropped a malformed request: %s", type(error).__name__)
            await self.mark_handled(request_id)

    async def drain(self, grace: float) -> bool:
        """Wait (at most `grace` seconds) for the requests acknowledged as soon as stored to
        reach their listeners; True if they all did. (Those that do not are handled again
        by the next instance to start, from the inbox.)"""
        if not self._in_flight:
            return True
        _, pending = await asyncio.wait(set(self._in_flight), timeout=grace)
        return not pending

    async def _dispatch(self, request: AsyncBoltRequest, request_id: int | None) -> BoltResponse:
        """Hand a request to Bolt; when no listener takes it, it is handled at once."""
        if request_id is not None:
            request.context[_INBOX_ID] = request_id
        response = await self.app.async_dispatch(request)
        if request_id is not None:
            # A listener Bolt started after acking (events are acked first) runs its first
            # step before this coroutine resumes; one turn of the loop shows whether it began.
            await asyncio.sleep(0)
            if not request.context.get(_STARTED):
                await self.mark_handled(request_id)
        return response

    async def mark_handled(self, request_id: int) -> None:
        try:
            await self.writer.mark_handled(request_id, wall_clock())
        except Exception as error:  # the database went away: handled again later, harmlessly
            log.warning("Could not mark request %s handled: %s", request_id, type(error).__name__)

    async def redeliver_unhandled(self) -> int:
        """Handle again what a dead instance left unhandled (each request by one taker)."""
        sessions = self.store.sessions
        taken = await inbox.take_unhandled(
            sessions, now=wall_clock(), instance=self.life.number, is_alive=self.life.is_alive
        )
        for stored in taken:
            if stored.content_type == SOCKET_MODE:
                request = AsyncBoltRequest(body=json.loads(stored.body), mode="socket_mode")
            else:
                request = AsyncBoltRequest(
                    body=stored.body, headers={"content-type": [stored.content_type]}
                )
            log.info("Handling request %s again: a restart interrupted it", stored.id)
            await self._dispatch(request, stored.id)
        forgotten = await inbox.forget_old(sessions, wall_clock())
        if forgotten:
            log.debug("Forgot %d handled request(s) past the replay window", forgotten)
        return len(taken)


class _ListenerStarted(AsyncListenerStartHandler):
    async def handle(self, request: AsyncBoltRequest, response: BoltResponse | None) -> None:
        request.context[_STARTED] = True


class _ListenerFinished(AsyncListenerCompletionHandler):
    """Marks a stored request handled when its listener ends, however it ends."""

    def __init__(self, inbound: Inbound) -> None:
        self.inbound = inbound

    async def handle(self, request: AsyncBoltRequest, response: BoltResponse | None) -> None:
        request_id = request.context.get(_INBOX_ID)
        if isinstance(request_id, int):
            await self.inbound.mark_handled(request_id)


class DurableSocketModeHandler(AsyncSocketModeHandler):
    """Socket Mode, with each request stored before the socket acknowledges it (as over HTTP)."""

    def __init__(self, inbound: Inbound, client: SocketModeClient) -> None:
        # Not super().__init__(): it would make a client of its own (and leave it open); this
        # one is given, so that the runtime decides how it connects (bot/preflight.py).
        self.app = inbound.app
        self.app_token = client.app_token
        self.client = client
        self.client.socket_mode_request_listeners.append(self.handle)
        self.inbound = inbound

    async def handle(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:
        started = time.time()
        outcome = await self.inbound.receive_socket(
            payload=req.payload, envelope_id=req.envelope_id
        )
        if isinstance(outcome, Refusal):
            # No ack: Slack shows the person an error (or retries an event), as over HTTP.
            log.info("Did not acknowledge a Socket Mode request: %s", outcome.reason)
            return
        await send_async_response(client, req, outcome, started)
