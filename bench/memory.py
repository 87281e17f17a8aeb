"""Memory: the peak RSS (VmHWM) of a real `python -m bot.cli run` process after 100 and after
10,000 mixed interactions (votes, status, Home opened, thread replies, help), ~10 at a time.

    python -m bench.memory [--database-url URL] [--small 100] [--big 10000] [--concurrency 10]
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from sqlmodel import func, select

from bench import seed
from bench.common import (
    SIGNING_SECRET,
    STAFF,
    bench_settings,
    database_label,
    fresh_database,
    parser,
    table,
    verdict,
)
from bot.domain import ids
from bot.domain.clock import SystemClock
from bot.sending.context import Deps
from bot.standin import BOT_TOKEN, CHANNEL_ID, SignedSlackClient, SlackStandIn
from models.db import SessionFactory, make_engine, make_session_factory
from models.migrate import upgrade
from models.tables import Comment

ROSTER = 25
MAX_RATIO = 1.2
MAX_MB = 150.0
REPO_ROOT = str(Path(__file__).resolve().parent.parent)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status (Linux only)")


async def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            if process.poll() is not None:
                raise RuntimeError(f"the bot exited with {process.returncode}")
            try:
                async with http.get(url + "/healthz") as res:
                    if res.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the bot did not become healthy")


async def _comments_reach(readers: SessionFactory, count: int, within: float = 30.0) -> None:
    """Wait until the bot has recorded `count` thread replies (what a later history shows)."""
    deadline = time.perf_counter() + within
    while True:
        async with readers() as session:
            recorded = (await session.exec(select(func.count()).select_from(Comment))).one()
        if recorded >= count:
            return
        if time.perf_counter() > deadline:
            raise RuntimeError(f"only {recorded} of {count} replies were recorded")
        await asyncio.sleep(0.005)


async def measure(
    database_url: str | None, *, small: int, big: int, concurrency: int
) -> tuple[float, float, float]:
    """(peak MB after `small`, after `big`, seconds for the whole run)."""
    async with SlackStandIn() as standin, fresh_database(database_url) as url:
        engine = make_engine(url)
        await upgrade(engine)
        deps = Deps(
            settings=bench_settings(url, standin),
            sessions=make_session_factory(engine),
            clock=SystemClock(),
        )
        now = datetime.now(UTC)
        await seed.add_roster(deps, standin, ROSTER, now)
        posted = await seed.post_application(deps, standin, now, *seed.TARGET_COUNCIL)
        # Kept open to see replies land: the bot acknowledges an event before recording it.
        readers = make_session_factory(engine)
        replies_sent = 0
        standin.add_user(STAFF, "Alex Staff")
        port = free_port()
        env = {
            "PATH": os.environ.get("PATH", ""),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SANCTUARY_CHANNEL": CHANNEL_ID,
            "SANCTUARY_STAFF": STAFF,
            "DATABASE_URL": url,
            "SLACK_API_URL": standin.api_url,
            "PORT": str(port),
            "PYTHONPATH": REPO_ROOT,
        }
        with tempfile.TemporaryDirectory(prefix="sanctuary-bench-run-") as cwd:
            process = subprocess.Popen(  # noqa: ASYNC220 (started once, outside the timing)
                [sys.executable, "-m", "bot.cli", "run"],
                env=env,
                cwd=cwd,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                bot_url = f"http://127.0.0.1:{port}"
                await _wait_healthy(bot_url, process)
                started = time.perf_counter()
                async with SignedSlackClient(bot_url, SIGNING_SECRET, standin) as slack:
                    counter = iter(range(big))
                    kinds = ("vote", "vote", "status", "home", "reply", "help")
                    choices = (ids.VOTE_APPROVE, ids.VOTE_DECLINE, ids.VOTE_ABSTAIN)

                    async def interact(n: int) -> None:
                        """One interaction, waiting for what the person would see (closed loop:
                        an open loop only measures the backlog of work queued after acks)."""
                        user = seed.member_id(n % ROSTER)
                        kind = kinds[n % len(kinds)]
                        seen = (
                            len(standin.ephemerals()),
                            len(standin.responses()),
                            len(standin.calls("views.publish")),
                        )
                        if kind == "vote":
                            action = choices[(n // ROSTER) % len(choices)]
                            reply = await slack.block_action(
                                user, action, message_ts=posted.ts, value=posted.value
                            )
                        elif kind == "status":
                            reply = await slack.slash_command(user, "status Sheffield")
                        elif kind == "home":
                            event = {
                                "type": "app_home_opened",
                                "user": STAFF if n % 12 == 3 else user,
                                "channel": "D0HOME0001",
                                "tab": "home",
                                "event_ts": f"{time.time():.6f}",
                            }
                            reply = await slack.event(event)
                        elif kind == "reply":
                            nonlocal replies_sent
                            replies_sent += 1
                            reply = await slack.message_event(
                                user, f"Comment {n} on the evidence", thread_ts=posted.ts
                            )
                        else:
                            reply = await slack.slash_command(user, "help")
                        if reply.status != 200:
                            raise RuntimeError(f"{kind} answered HTTP {reply.status}")
                        if kind == "vote":
                            await standin.wait_until(
                                lambda: len(standin.ephemerals()) > seen[0], timeout=30
                            )
                        elif kind in ("status", "help"):
                            await standin.wait_until(
                                lambda: len(standin.responses()) > seen[1], timeout=30
                            )
                        elif kind == "home":
                            await standin.wait_until(
                                lambda: len(standin.calls("views.publish")) > seen[2], timeout=30
                            )
                        elif kind == "reply":
                            await _comments_reach(readers, replies_sent)

                    async def worker(limit: int) -> None:
                        for n in counter:
                            await interact(n)
                            if n + 1 >= limit:
                                return

                    await asyncio.gather(*(worker(small) for _ in range(concurrency)))
                    await asyncio.sleep(1.0)  # let the work after the acks finish
                    after_small = peak_rss_mb(process.pid)
                    counter = iter(range(small, big))
                    await asyncio.gather(*(worker(big) for _ in range(concurrency)))
                    await asyncio.sleep(2.0)
                    after_big = peak_rss_mb(process.pid)
                elapsed = time.perf_counter() - started
            finally:
                process.terminate()
                process.wait(timeout=30)
                await engine.dispose()
    return after_small, after_big, elapsed


def report(
    small_mb: float, big_mb: float, sizes: tuple[int, int], database: str, elapsed: float
) -> tuple[str, bool]:
    ratio = big_mb / small_mb
    ok_ratio, ok_size = ratio <= MAX_RATIO, big_mb < MAX_MB
    rows = [
        [
            f"{small_mb:.1f}",
            f"{big_mb:.1f}",
            f"{ratio:.2f}",
            verdict(ok_ratio),
            verdict(ok_size),
            f"{elapsed:.0f}",
        ]
    ]
    headers = [
        f"peak MB @{sizes[0]}",
        f"peak MB @{sizes[1]}",
        f"ratio (<= {MAX_RATIO})",
        "ratio",
        f"< {MAX_MB:.0f} MB",
        "run s",
    ]
    title = (
        f"Memory on {database}: VmHWM of `python -m bot.cli run` after {sizes[0]} and "
        f"{sizes[1]} mixed interactions (votes, status, Home, thread replies, help)"
    )
    return f"{title}\n{table(headers, rows)}", ok_ratio and ok_size


async def main_async(argv: Sequence[str] | None = None) -> bool:
    p = parser(__doc__ or "")
    p.add_argument("--small", type=int, default=100)
    p.add_argument("--big", type=int, default=10_000)
    p.add_argument("--concurrency", type=int, default=10)
    args = p.parse_args(argv)
    small_mb, big_mb, elapsed = await measure(
        args.database_url, small=args.small, big=args.big, concurrency=args.concurrency
    )
    text, ok = report(
        small_mb, big_mb, (args.small, args.big), database_label(args.database_url), elapsed
    )
    print(text, flush=True)
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    return 0 if asyncio.run(main_async(argv)) else 1


if __name__ == "__main__":
    sys.exit(main())
