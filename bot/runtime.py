"""Starting and stopping the bot: database, app, HTTP server or Socket Mode, and scheduler."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import logging
import signal
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_app, make_client
from bot.domain.clock import Clock, SystemClock
from bot.domain.config import Settings
from bot.inbound import DurableSocketModeHandler, Inbound
from bot.preflight import (
    REINSTALL,
    PatientSocketModeClient,
    StartupError,
    check_bot_token,
    check_channel,
    checking_client,
    open_database,
    open_socket_url,
    patiently,
)
from bot.sending.context import Deps
from bot.server import build_web_app
from bot.services.inbox import open_store
from models.db import make_session_factory
from models.locks import InstanceLife
from scheduler import RunningJobs, build_scheduler, stop_scheduler

log = logging.getLogger(__name__)

T = TypeVar("T")

# Bolt runs each listener in a task of this name once the request is acknowledged.
BOLT_LISTENER_TASK = "run_ack_function_asynchronously"
# How long shutdown waits for acknowledged work (a vote being recorded, a post being updated).
LISTENER_GRACE_SECONDS = 10.0
# How often stored requests that nobody finished are looked for.
REDELIVERY_EVERY_SECONDS = 15


async def finish_listeners(grace: float = LISTENER_GRACE_SECONDS) -> bool:
    """Wait for listeners still working after their ack; False if some had to be left running.

    Slack has been told "received" for them, so stopping without finishing would lose what the
    person did (or leave it half shown).
    """
    current = asyncio.current_task()
    pending = {
        task
        for task in asyncio.all_tasks()
        if task is not current
        and BOLT_LISTENER_TASK in getattr(task.get_coro(), "__qualname__", "")
    }
    if not pending:
        return True
    _, still_running = await asyncio.wait(pending, timeout=grace)
    return not still_running


@dataclass
class Runtime:
    """A running bot; `stop()` shuts everything down in order."""

    deps: Deps
    engine: AsyncEngine
    bolt: AsyncApp
    client: AsyncWebClient
    inbound: Inbound
    scheduler: AsyncIOScheduler | None = None
    runner: web.AppRunner | None = None
    url: str | None = None
    bound: str | None = None  # the address and port it listens on, as bound (0.0.0.0:3000)
    running_jobs: RunningJobs = field(default_factory=RunningJobs)
    _stopped: bool = field(default=False, repr=False)

    async def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self.runner is not None:
            await self.runner.cleanup()  # no new requests; those under way are answered
        if not await self.inbound.drain(LISTENER_GRACE_SECONDS):
            log.warning("Some acknowledged requests had not reached their listener at shutdown")
        if not await finish_listeners():
            log.warning("Some Slack actions were still being handled at shutdown")
        if self.scheduler is not None and not await stop_scheduler(
            self.scheduler, self.running_jobs
        ):
            log.warning("A scheduled scan was still running at shutdown and was cancelled")
        if not await self.deps.home_tabs.settled(LISTENER_GRACE_SECONDS):
            log.warning("Some Home tabs were not re-published at shutdown (the next start does)")
        await self.deps.home_tabs.close()
        await self.inbound.life.stop()
        await self.inbound.store.close()
        await self.engine.dispose()


async def prepare(settings: Settings, clock: Clock | None = None) -> Runtime:
    """Open (and upgrade) the database and build the app, without serving yet."""
    # Upgrading is idempotent; on PostgreSQL serialised by an advisory lock.
    engine = await open_database(settings.database_url)
    deps = Deps(
        settings=settings, sessions=make_session_factory(engine), clock=clock or SystemClock()
    )
    client = make_client(deps)
    life = InstanceLife(engine)
    await life.start()
    bolt = build_app(deps, client)
    store = await open_store(engine, deps.sessions)
    inbound = Inbound(bolt, deps, life, store)
    runtime = Runtime(deps=deps, engine=engine, bolt=bolt, client=client, inbound=inbound)
    settle_the_heap()
    return runtime


def settle_the_heap() -> None:
    """Move everything made while starting (modules, the app, the council list) out of the
    garbage collector's sight: it lives as long as the process, yet every full collection
    would walk it again. Such a collection, in the middle of a burst of clicks, held up every
    acknowledgement by about 100 ms (bench/latency.py: 25-clicker ack p99 105-149 ms against
    28-32 ms frozen)."""
    gc.collect()
    gc.freeze()


async def start_http(
    settings: Settings,
    *,
    clock: Clock | None = None,
    host: str = "0.0.0.0",
    port: int | None = None,
    with_scheduler: bool = True,
    with_slack_events: bool = True,
) -> Runtime:
    """Serve `GET /healthz`, `GET /network` and `GET /network.json`, and with `with_slack_events`
    (HTTP mode) `POST /slack/events`; port 0 picks a free one (tests, demo)."""
    runtime = await prepare(settings, clock)
    web_app = build_web_app(runtime.inbound, with_slack_events=with_slack_events)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    runtime.runner = runner
    wanted = settings.port if port is None else port
    try:
        await web.TCPSite(runner, host, wanted).start()
    except OSError as error:
        await runtime.stop()
        raise StartupError(_cannot_listen(host, wanted, error)) from None
    bound_port = runner.addresses[0][1]
    runtime.bound = f"{host or '0.0.0.0'}:{bound_port}"
    runtime.url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{bound_port}"
    if with_scheduler:
        start_jobs(runtime)
    return runtime


def _cannot_listen(host: str, port: int, error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        return (
            f"Port {port} is in use (another sanctuary-bot, or another program): stop that, "
            "or set PORT to a free port."
        )
    if error.errno == errno.EACCES:
        return f"Not allowed to listen on port {port}: set PORT to a number above 1023."
    if error.errno == errno.EADDRNOTAVAIL:
        return f"Cannot listen on {host}: this machine has no such address."
    return f"Cannot listen on {host}:{port} ({error.strerror}): set PORT to a free port."


def start_jobs(runtime: Runtime) -> None:
    """The scan jobs, and handling again the requests a crash interrupted (bot/inbound.py)."""
    scheduler = build_scheduler(runtime.deps, runtime.client, runtime.running_jobs)

    async def redeliver(deps: Deps, client: AsyncWebClient) -> int:
        return await runtime.inbound.redeliver_unhandled()

    scheduler.add_job(
        runtime.running_jobs.tracked(redeliver),
        trigger="interval",
        seconds=REDELIVERY_EVERY_SECONDS,
        id="handle-interrupted-requests",
        name="Handle again the requests from Slack that a crash interrupted",
        args=(runtime.deps, runtime.client),
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=REDELIVERY_EVERY_SECONDS * 10,
        next_run_time=datetime.now(UTC),
    )
    scheduler.start()
    runtime.scheduler = scheduler


class _Stopped(Exception):
    """SIGTERM or Ctrl-C came before the step finished."""


async def _unless_stopped(stop: asyncio.Event, step: Awaitable[T]) -> T:
    """`step`'s result, or _Stopped as soon as `stop` is set (the step is cancelled): a signal
    stops the bot in every state, connecting included."""
    work = asyncio.ensure_future(step)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({work, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if work.done():
        return work.result()
    work.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await work  # whatever it was doing is abandoned: the process is stopping
    raise _Stopped


async def check_slack(settings: Settings, client: AsyncWebClient) -> None:
    """Before serving: Slack accepts the bot token (and the app token in Socket Mode), and the
    working group's channel is private with the bot in it. Slack out of reach: tried again,
    quietly; a refusal stops the bot with one line (StartupError)."""
    identity = await patiently(lambda: check_bot_token(client), "check SLACK_BOT_TOKEN")
    log.info("Slack accepts the bot token: @%s in %s", identity.user, identity.team)
    if identity.missing_scopes:
        log.warning(
            "The app lacks the scopes %s: %s", ", ".join(identity.missing_scopes), REINSTALL
        )
    channel = settings.channel or ""  # required by the settings for `run`
    name = await patiently(lambda: check_channel(client, channel), "check SANCTUARY_CHANNEL")
    log.info("The working group's channel %s is private and the bot is in it", name)
    if settings.app_token is not None:
        app_token = settings.app_token
        await patiently(lambda: open_socket_url(client, app_token), "check SLACK_APP_TOKEN")


async def _check_database(settings: Settings) -> None:
    """The database opens and is at the latest revision (upgraded if not); StartupError if not."""
    engine = await open_database(settings.database_url)
    await engine.dispose()


async def run_forever(settings: Settings) -> None:
    """`sanctuary-bot run`: until Ctrl-C or SIGTERM, then a clean shutdown. Stops with a
    StartupError (one line) when a token, the channel, the database or the port is wrong."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    checker = checking_client(settings)
    try:
        # The machine's own problems first (they stop the bot at once), then Slack's (which,
        # out of reach, is tried again for as long as it takes).
        await _unless_stopped(stop, _check_database(settings))
        await _unless_stopped(stop, check_slack(settings, checker))
        if settings.socket_mode:
            await _serve_socket_mode(settings, checker, stop)
        else:
            await _serve_http(settings, stop)
    except _Stopped:
        log.info("Stopped before the bot was running")
        return
    log.info("Stopped cleanly")


async def _serve_http(settings: Settings, stop: asyncio.Event) -> None:
    runtime = await _unless_stopped(stop, start_http(settings))
    try:
        log.info("Listening on %s (POST /slack/events, GET /healthz, GET /network)", runtime.bound)
        await stop.wait()
    finally:
        await runtime.stop()


async def _serve_socket_mode(
    settings: Settings, checker: AsyncWebClient, stop: asyncio.Event
) -> None:
    # Slack's requests come over the socket; the health check and the register over HTTP.
    runtime = await _unless_stopped(stop, start_http(settings, with_slack_events=False))
    socket = PatientSocketModeClient(settings.app_token or "", checker, runtime.deps.slack_health)
    handler = DurableSocketModeHandler(runtime.inbound, socket)
    connecting = asyncio.ensure_future(handler.connect_async())  # type: ignore[no-untyped-call]
    try:
        log.info("Listening on %s (GET /healthz, GET /network)", runtime.bound)
        # Until SIGTERM or Ctrl-C, or Slack refusing the app token (at a reconnection).
        await _unless_stopped(stop, asyncio.shield(socket.refused))
    except _Stopped:
        pass
    finally:
        connecting.cancel()
        await handler.close_async()  # type: ignore[no-untyped-call]
        await runtime.stop()
    if socket.refused.done():
        raise StartupError(socket.refused.result())
