"""Latency against the floor: the bot's vote click versus a bare Bolt app that only acks.

Both are served the same way (aiohttp + slack_bolt's aiohttp adapter, same signing secret, Web
API pointed at the stand-in) and clicked with the same pre-built, signed requests, sent from a
process of their own as Slack's are (bench/clicker.py); rounds alternate between them so that
machine noise hits both. Only the HTTP round trip is timed for the ack.

    python -m bench.latency [--database-url URL] [--rounds 40] [--bursts 8]
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench import seed
from bench.clicker import Click, Clicker
from bench.common import (
    NOW,
    database_label,
    fresh_database,
    parser,
    percentile,
    start_bare_app,
    start_bot,
    table,
    verdict,
    vote_click_body,
)
from bot.domain import ids
from bot.standin import ApiCall, SlackStandIn

CLICKERS = 25
# Each burst switches every clicker to the next choice, so a burst's choice starts at zero.
BURST_CHOICES = (
    (ids.VOTE_FURTHER_WORK, "further work"),
    (ids.VOTE_ABSTAIN, "abstain"),
    (ids.VOTE_APPROVE, "approve"),
    (ids.VOTE_DECLINE, "decline"),
)
SINGLE_CHOICES = ((ids.VOTE_APPROVE, "approve"), (ids.VOTE_DECLINE, "decline"))
_COUNT = re.compile(r"(\d+) (approve|further work|decline|abstain)\b")
UPDATE_DEFINITION = (
    "click-to-update: from sending the click to the first chat.update the stand-in records "
    "whose post counts every vote of that click's round (1 clicker: the post shows the new "
    "choice; 25 clickers: all 25 votes of the burst, which switch every clicker to a choice "
    "nobody held before it) - an upper bound for each click of a burst"
)


def shown_counts(call: ApiCall) -> dict[str, int]:
    """Votes per choice, summed over constituencies, in a chat.update's tally."""
    blocks: Any = call.args.get("blocks")
    flat = blocks if isinstance(blocks, str) else json.dumps(blocks)
    tally = next((part for part in flat.split("Votes, round") if "cast)" in part), "")
    counts: dict[str, int] = {}
    for number, label in _COUNT.findall(tally.split("Quorum")[0]):
        counts[label] = counts.get(label, 0) + int(number)
    return counts


@dataclass
class Samples:
    bot_ack: list[float] = field(default_factory=list)
    bare_ack: list[float] = field(default_factory=list)
    update: list[float] = field(default_factory=list)


async def _wait_update(standin: SlackStandIn, since: float, label: str, votes: int) -> float:
    """When the first chat.update after `since` showed `votes` votes for `label`."""

    def found() -> ApiCall | None:
        for call in standin.calls("chat.update"):
            if call.at >= since and call.ok and shown_counts(call).get(label, 0) >= votes:
                return call
        return None

    await standin.wait_until(lambda: found() is not None, timeout=30)
    call = found()
    assert call is not None
    return call.at


async def _settle(standin: SlackStandIn, ephemerals: int) -> None:
    """Wait for every confirmation (the last thing a vote click does)."""
    await standin.wait_until(lambda: len(standin.ephemerals()) >= ephemerals, timeout=30)


async def measure(
    database_url: str | None, *, rounds: int = 40, bursts: int = 8
) -> dict[str, Samples]:
    results = {"1": Samples(), str(CLICKERS): Samples()}
    async with SlackStandIn() as standin, fresh_database(database_url) as url:
        bot = await start_bot(url, standin)
        bare = await start_bare_app(standin)
        assert bot.url is not None and bare.url is not None
        to_bot, to_bare = bot.url + "/slack/events", bare.url + "/slack/events"
        try:
            await seed.add_roster(bot.deps, standin, CLICKERS, NOW)
            posted = await seed.post_application(bot.deps, standin, NOW, *seed.TARGET_COUNCIL)
            async with Clicker() as clicker:

                def body(n: int, action: str) -> bytes:
                    return vote_click_body(
                        standin, seed.member_id(n), action, posted.value, posted.ts
                    )

                # Warm both up (connections, first-call imports, Bolt's auth.test).
                for n in range(3):
                    await clicker.post(to_bare, [body(0, ids.VOTE_ABSTAIN)])
                    await clicker.post(to_bot, [body(0, SINGLE_CHOICES[n % 2][0])])
                    await _settle(standin, n + 1)
                expected = len(standin.ephemerals())

                one = results["1"]
                for r in range(rounds):
                    action, label = SINGLE_CHOICES[(r + 1) % 2]  # the other choice each time
                    for target in ("bot", "bare") if r % 2 == 0 else ("bare", "bot"):
                        if target == "bare":
                            one.bare_ack += _seconds(await clicker.post(to_bare, [body(0, action)]))
                            continue
                        clicks = await clicker.post(to_bot, [body(0, action)])
                        one.bot_ack += _seconds(clicks)
                        shown = await _wait_update(standin, clicks[0].sent, label, 1)
                        one.update.append(shown - clicks[0].sent)
                        expected += 1
                        await _settle(standin, expected)

                many = results[str(CLICKERS)]
                for b in range(bursts):
                    action, label = BURST_CHOICES[b % len(BURST_CHOICES)]
                    bodies = [body(n, action) for n in range(CLICKERS)]
                    for target in ("bot", "bare") if b % 2 == 0 else ("bare", "bot"):
                        if target == "bare":
                            many.bare_ack += _seconds(await clicker.post(to_bare, bodies))
                            continue
                        clicks = await clicker.post(to_bot, bodies)
                        many.bot_ack += _seconds(clicks)
                        sent = min(click.sent for click in clicks)
                        shown = await _wait_update(standin, sent, label, CLICKERS)
                        many.update += [shown - sent] * CLICKERS
                        expected += CLICKERS
                        await _settle(standin, expected)
        finally:
            await bare.stop()
            await bot.stop()
    return results


def _seconds(clicks: Sequence[Click]) -> list[float]:
    return [click.seconds for click in clicks]


def report(results: dict[str, Samples], database: str) -> tuple[str, bool]:
    """The table and whether every target passed."""
    ms = 1000.0
    rows: list[list[object]] = []
    all_ok = True
    limits = {"1": (1.2, 1.5), str(CLICKERS): (2.0, 2.5)}
    for clickers, s in results.items():
        p50_limit, p99_limit = limits[clickers]
        for p, limit in ((50, p50_limit), (99, p99_limit)):
            bot, bare = percentile(s.bot_ack, p), percentile(s.bare_ack, p)
            ok = bot <= limit * bare
            all_ok &= ok
            rows.append(
                [
                    clickers,
                    f"ack p{p}",
                    f"{bot * ms:.1f}",
                    f"{bare * ms:.1f}",
                    f"{bot / bare:.2f}x",
                    f"<= {limit}x bare",
                    verdict(ok),
                    f"{len(s.bot_ack)}/{len(s.bare_ack)}",
                ]
            )
        if clickers != "1":
            worst = max(s.bot_ack + s.bare_ack)
            ok = max(s.bot_ack) <= 3.0
            all_ok &= ok
            rows.append(
                [
                    clickers,
                    "ack max",
                    f"{max(s.bot_ack) * ms:.1f}",
                    f"{max(s.bare_ack) * ms:.1f}",
                    "",
                    "bot <= 3000 ms",
                    verdict(ok and worst >= 0),
                    f"{len(s.bot_ack)}/{len(s.bare_ack)}",
                ]
            )
        for p in (50, 99):
            value = percentile(s.update, p)
            ok = p != 99 or clickers == "1" or value <= 0.3
            if p == 99 and clickers != "1":
                all_ok &= ok
            rows.append(
                [
                    clickers,
                    f"click-to-update p{p}",
                    f"{value * ms:.1f}",
                    "-",
                    "",
                    "< 300 ms" if p == 99 and clickers != "1" else "(reported)",
                    verdict(ok) if p == 99 and clickers != "1" else "",
                    str(len(s.update)),
                ]
            )
    headers = [
        "clickers",
        "measure",
        "bot ms",
        "bare ms",
        "ratio",
        "target",
        "result",
        "samples bot/bare",
    ]
    title = f"Latency on {database}: vote clicks, bot vs bare Bolt (ack = HTTP 200)"
    return f"{title}\n{table(headers, rows)}\n{UPDATE_DEFINITION}", all_ok


async def main_async(argv: Sequence[str] | None = None) -> bool:
    p = parser(__doc__ or "")
    p.add_argument("--rounds", type=int, default=40, help="single-clicker rounds (default 40)")
    p.add_argument("--bursts", type=int, default=8, help="bursts of 25 clicks (default 8)")
    args = p.parse_args(argv)
    results = await measure(args.database_url, rounds=args.rounds, bursts=args.bursts)
    text, ok = report(results, database_label(args.database_url))
    print(text, flush=True)
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    return 0 if asyncio.run(main_async(argv)) else 1


if __name__ == "__main__":
    sys.exit(main())
