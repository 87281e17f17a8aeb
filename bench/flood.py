"""Signed votes while anonymous callers flood the public endpoint with 1 MB bodies.

Anyone on the internet can POST to `/slack/events`. Four anonymous clients, in a process of
their own, post 1 MB bodies (badly signed, with a current timestamp, JSON: the most expensive
kind to turn away) as fast as they can, while single signed vote clicks are timed. Their p99 is
compared with the same run's quiet p99 (the clicks before the flood starts).

    python -m bench.flood [--database-url URL] [--clicks 60]

The flood is bounded in time and stops by itself; it only ever talks to the loopback address.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Sequence

from bench import seed
from bench.common import (
    NOW,
    SIGNING_SECRET,
    database_label,
    fresh_database,
    parser,
    percentile,
    signed,
    start_bot,
    table,
    verdict,
    vote_click_body,
)
from bench.latency import SINGLE_CHOICES
from bot.standin import SignedSlackClient, SlackStandIn

FLOODERS = 4
FLOOD_BODY_BYTES = 1024 * 1024
# The targets of issue 11: p99 under flood within 2x of the quiet p99, and never over 3 s.
MAX_RATIO = 2.0
MAX_SECONDS = 3.0

# The flooders, run with `python -c` in a process of their own (so that building and sending
# 4 MB at a time costs this process nothing): URL, seconds.
_FLOOD = """
import asyncio, sys, time, aiohttp
url, seconds, clients, size = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
body = b'{"type": "event_callback", "junk": "' + b"x" * size + b'"}'
sent = 0
async def flood(http):
    global sent
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        headers = {
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": str(int(time.time())),
            "X-Slack-Signature": "v0=" + "0" * 64,
        }
        try:
            async with http.post(url, data=body, headers=headers) as response:
                await response.read()
        except aiohttp.ClientError:
            await asyncio.sleep(0.01)
        sent += 1
async def main():
    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(flood(http) for _ in range(clients)))
    print(sent, flush=True)
asyncio.run(main())
"""


async def _timed_click(client: SignedSlackClient, body: bytes) -> float:
    started = time.perf_counter()
    reply = await client.post_raw(body, signed(body))
    elapsed = time.perf_counter() - started
    if reply.status != 200:
        raise RuntimeError(f"a signed vote was answered {reply.status}")
    return elapsed


async def measure(database_url: str | None, *, clicks: int) -> tuple[list[float], list[float], int]:
    """(quiet acks, acks under flood, flood requests sent)."""
    async with SlackStandIn() as standin, fresh_database(database_url) as url:
        bot = await start_bot(url, standin)
        assert bot.url is not None
        try:
            await seed.add_roster(bot.deps, standin, 1, NOW)
            posted = await seed.post_application(bot.deps, standin, NOW, *seed.TARGET_COUNCIL)
            async with SignedSlackClient(bot.url, SIGNING_SECRET, standin) as client:

                async def click(n: int) -> float:
                    action, _ = SINGLE_CHOICES[n % 2]
                    body = vote_click_body(
                        standin, seed.member_id(0), action, posted.value, posted.ts
                    )
                    ack = await _timed_click(client, body)
                    await asyncio.sleep(0.05)  # let the click's own work finish, as in a burst
                    return ack

                for n in range(3):  # warm up
                    await click(n)
                quiet = [await click(n) for n in range(clicks)]
                flood = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-c",
                    _FLOOD,
                    bot.url + "/slack/events",
                    str(max(10.0, clicks * 0.5)),
                    str(FLOODERS),
                    str(FLOOD_BODY_BYTES),
                    stdout=asyncio.subprocess.PIPE,
                )
                await asyncio.sleep(1.0)  # the flood is under way
                flooded = [await click(n) for n in range(clicks)]
                out, _ = await flood.communicate()
                sent = int(out.decode().strip() or 0)
        finally:
            await bot.stop()
    return quiet, flooded, sent


def report(quiet: list[float], flooded: list[float], sent: int, database: str) -> tuple[str, bool]:
    ms = 1000.0
    q99, f99 = percentile(quiet, 99), percentile(flooded, 99)
    ratio_ok = f99 <= MAX_RATIO * q99
    max_ok = max(flooded) <= MAX_SECONDS
    rows: list[list[object]] = [
        ["ack p50", f"{percentile(quiet, 50) * ms:.1f}", f"{percentile(flooded, 50) * ms:.1f}", ""],
        [
            "ack p99",
            f"{q99 * ms:.1f}",
            f"{f99 * ms:.1f}",
            f"{f99 / q99:.2f}x (<= {MAX_RATIO}x) {verdict(ratio_ok)}",
        ],
        [
            "ack max",
            f"{max(quiet) * ms:.1f}",
            f"{max(flooded) * ms:.1f}",
            f"<= 3000 ms {verdict(max_ok)}",
        ],
    ]
    title = (
        f"Flood on {database}: signed vote acks, quiet and while {FLOODERS} anonymous clients "
        f"post 1 MB bodies ({sent} sent, {len(flooded)} clicks each phase)"
    )
    text = f"{title}\n{table(['measure', 'quiet ms', 'flooded ms', 'target'], rows)}"
    return text, ratio_ok and max_ok


async def main_async(argv: Sequence[str] | None = None) -> bool:
    p = parser(__doc__ or "")
    p.add_argument("--clicks", type=int, default=60, help="timed clicks per phase (default 60)")
    args = p.parse_args(argv)
    quiet, flooded, sent = await measure(args.database_url, clicks=args.clicks)
    text, ok = report(quiet, flooded, sent, database_label(args.database_url))
    print(text, flush=True)
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    return 0 if asyncio.run(main_async(argv)) else 1


if __name__ == "__main__":
    sys.exit(main())
