"""Flat as data grows: the same operations with 10 and with 10,000 applications in the database
(and 400 memberships either way): time ratio big/small (median of repeats) at most 1.3, and the
same number of SQL statements per operation at both sizes.

    python -m bench.flat [--database-url URL] [--small 10] [--big 10000] [--repeats 15]
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from bench import seed
from bench.common import (
    NOW,
    SIGNING_SECRET,
    STAFF,
    database_label,
    fresh_database,
    median,
    parser,
    start_bot,
    table,
    verdict,
)
from bot.domain import ids
from bot.runtime import Runtime, finish_listeners
from bot.standin import SignedSlackClient, SlackStandIn
from scheduler.renewals import post_renewal_nags

MEMBERSHIPS = 400
ROSTER = 25
MAX_RATIO = 1.3
OPERATIONS = (
    "vote click (until the confirmation)",
    "/sanctuary status Sheffield (until the reply)",
    "App Home opened (until views.publish)",
    "renewal scan (nothing new due)",
)


@dataclass
class Measured:
    seconds: dict[str, list[float]] = field(default_factory=dict)
    statements: dict[str, list[int]] = field(default_factory=dict)


async def measure_size(
    database_url: str | None, applications: int, repeats: int
) -> tuple[Measured, float]:
    """Timings and statement counts at one size; also how long seeding took."""
    measured = Measured()
    async with SlackStandIn() as standin, fresh_database(database_url) as url:
        bot = await start_bot(url, standin)
        assert bot.url is not None
        statements = 0

        def count(*_args: Any) -> None:
            nonlocal statements
            statements += 1

        try:
            seeded = time.perf_counter()
            await seed.add_roster(bot.deps, standin, ROSTER, NOW)
            posted = await seed.post_application(bot.deps, standin, NOW, *seed.TARGET_COUNCIL)
            await seed.add_history(
                bot.deps,
                applications=applications - 1,
                memberships=MEMBERSHIPS,
                members=ROSTER,
                at=NOW,
            )
            seeded = time.perf_counter() - seeded
            standin.add_user(STAFF, "Alex Staff")
            voter = seed.member_id(0)
            async with SignedSlackClient(bot.url, SIGNING_SECRET, standin) as slack:
                clicks = 0

                async def click() -> None:
                    nonlocal clicks
                    clicks += 1
                    action = ids.VOTE_APPROVE if clicks % 2 else ids.VOTE_DECLINE
                    before = len(standin.ephemerals(voter))
                    await slack.block_action(
                        voter, action, message_ts=posted.ts, value=posted.value
                    )
                    await standin.wait_until(
                        lambda: len(standin.ephemerals(voter)) > before, timeout=30
                    )

                async def status() -> None:
                    before = len(standin.responses())
                    await slack.slash_command(STAFF, "status Sheffield")
                    await standin.wait_until(lambda: len(standin.responses()) > before, timeout=30)

                async def home() -> None:
                    before = len(standin.calls("views.publish"))
                    event = {
                        "type": "app_home_opened",
                        "user": STAFF,
                        "channel": "D0HOME0001",
                        "tab": "home",
                        "event_ts": f"{time.time():.6f}",
                    }
                    await slack.event(event)
                    await standin.wait_until(
                        lambda: len(standin.calls("views.publish")) > before, timeout=30
                    )

                async def scan() -> None:
                    await post_renewal_nags(bot.deps, bot.client, now=NOW)

                operations: dict[str, Callable[[], Awaitable[None]]] = dict(
                    zip(OPERATIONS, (click, status, home, scan), strict=True)
                )
                for run in operations.values():  # warm up; the first scan posts the nags due
                    await run()
                    await run()
                event.listen(bot.engine.sync_engine, "before_cursor_execute", count)
                for _ in range(repeats):
                    for name, run in operations.items():
                        statements = 0
                        started = time.perf_counter()
                        await run()
                        measured.seconds.setdefault(name, []).append(time.perf_counter() - started)
                        measured.statements.setdefault(name, []).append(statements)
                        await _settle(bot)
                event.remove(bot.engine.sync_engine, "before_cursor_execute", count)
                if standin.warnings:
                    raise RuntimeError(f"the stand-in objected: {standin.warnings}")
        finally:
            await bot.stop()
    return measured, seeded


async def _settle(bot: Runtime) -> None:
    """Let the work an operation leaves for later (its listener's last steps, such as marking
    its request handled in the inbox, and the Home tabs published after a quiet moment) finish
    before the next is measured, so that each counts its own statements only."""
    settled = (
        await bot.inbound.drain(5.0)
        and await finish_listeners(5.0)
        and await bot.deps.home_tabs.settled(5.0)
    )
    if not settled:
        raise RuntimeError("the bot's work after an operation did not settle within 5 s")


def report(
    small: Measured, big: Measured, sizes: tuple[int, int], database: str
) -> tuple[str, bool]:
    rows: list[list[object]] = []
    ok_all = True
    for name in OPERATIONS:
        t_small, t_big = median(small.seconds[name]), median(big.seconds[name])
        ratio = t_big / t_small
        s_small, s_big = sorted(set(small.statements[name])), sorted(set(big.statements[name]))
        time_ok, sql_ok = ratio <= MAX_RATIO, s_small == s_big
        ok_all &= time_ok and sql_ok
        rows.append(
            [
                name,
                f"{t_small * 1000:.1f}",
                f"{t_big * 1000:.1f}",
                f"{ratio:.2f}",
                verdict(time_ok),
                "/".join(map(str, s_small)),
                "/".join(map(str, s_big)),
                verdict(sql_ok),
            ]
        )
    headers = [
        "operation",
        f"ms @{sizes[0]}",
        f"ms @{sizes[1]}",
        f"ratio (<= {MAX_RATIO})",
        "time",
        f"SQL @{sizes[0]}",
        f"SQL @{sizes[1]}",
        "SQL same",
    ]
    n = len(small.seconds[OPERATIONS[0]])
    title = (
        f"Flat on {database}: {sizes[0]} vs {sizes[1]} applications, {MEMBERSHIPS} memberships "
        f"(median of {n} repeats; SQL = statements per operation)"
    )
    return f"{title}\n{table(headers, rows)}", ok_all


async def main_async(argv: Sequence[str] | None = None) -> bool:
    p = parser(__doc__ or "")
    p.add_argument("--small", type=int, default=10)
    p.add_argument("--big", type=int, default=10_000)
    p.add_argument("--repeats", type=int, default=15)
    args = p.parse_args(argv)
    small, _ = await measure_size(args.database_url, args.small, args.repeats)
    big, seeding = await measure_size(args.database_url, args.big, args.repeats)
    text, ok = report(small, big, (args.small, args.big), database_label(args.database_url))
    print(text, flush=True)
    print(f"(seeding {args.big} applications took {seeding:.1f} s)", flush=True)
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    return 0 if asyncio.run(main_async(argv)) else 1


if __name__ == "__main__":
    sys.exit(main())
