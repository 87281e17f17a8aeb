"""Updates coalesced: a burst of 25 concurrent vote clicks on one post costs far fewer than 25
`chat.update` calls, and the post ends showing exactly what a fresh render from the database
shows.

    python -m bench.coalescing [--database-url URL] [--bursts 4]
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from typing import Any

from bench import seed
from bench.common import (
    NOW,
    SIGNING_SECRET,
    database_label,
    fresh_database,
    parser,
    signed,
    start_bot,
    table,
    verdict,
    vote_click_body,
)
from bench.latency import BURST_CHOICES, CLICKERS
from bot.blocks.application import build_application_message
from bot.services.applications import load_view
from bot.standin import SignedSlackClient, SlackStandIn

# "Far fewer": at most a fifth as many updates as clicks.
MAX_UPDATES_PER_CLICK = 0.2


async def measure(database_url: str | None, *, bursts: int = 4) -> list[list[object]]:
    rows: list[list[object]] = []
    async with SlackStandIn() as standin, fresh_database(database_url) as url:
        bot = await start_bot(url, standin)
        assert bot.url is not None
        try:
            await seed.add_roster(bot.deps, standin, CLICKERS, NOW)
            posted = await seed.post_application(bot.deps, standin, NOW, *seed.TARGET_COUNCIL)
            async with SignedSlackClient(bot.url, SIGNING_SECRET, standin) as client:
                for b in range(bursts):
                    action, _label = BURST_CHOICES[b % len(BURST_CHOICES)]
                    bodies = [
                        vote_click_body(standin, seed.member_id(n), action, posted.value, posted.ts)
                        for n in range(CLICKERS)
                    ]
                    updates_before = len(standin.calls("chat.update"))
                    confirmations = len(standin.ephemerals()) + CLICKERS
                    coalescer = bot.deps.post_updates
                    requests_before, sends_before = coalescer.requests, coalescer.sends
                    replies = await asyncio.gather(
                        *(client.post_raw(body, signed(body)) for body in bodies)
                    )
                    assert all(r.status == 200 for r in replies)
                    await standin.wait_until(
                        lambda: len(standin.ephemerals()) >= confirmations,  # noqa: B023
                        timeout=30,
                    )
                    updates = standin.calls("chat.update")[updates_before:]
                    async with bot.deps.sessions() as session:
                        view = await load_view(session, posted.application_id)
                    text, blocks = build_application_message(
                        view,
                        rules=bot.deps.settings.rules,
                        timezone=bot.deps.settings.timezone,
                        now=bot.deps.clock.now(),
                    )
                    fresh: list[dict[str, Any]] = [b.to_dict() for b in blocks]
                    last = updates[-1].args if updates else {}
                    exact = last.get("text") == text and last.get("blocks") == fresh
                    per_click = len(updates) / CLICKERS
                    rows.append(
                        [
                            b + 1,
                            CLICKERS,
                            coalescer.requests - requests_before,
                            coalescer.sends - sends_before,
                            len(updates),
                            f"{per_click:.2f}",
                            verdict(per_click <= MAX_UPDATES_PER_CLICK),
                            verdict(exact),
                        ]
                    )
        finally:
            await bot.stop()
    return rows


def report(rows: list[list[object]], database: str) -> tuple[str, bool]:
    headers = [
        "burst",
        "clicks",
        "refreshes asked",
        "renders sent",
        "chat.update",
        "updates/click",
        f"<= {MAX_UPDATES_PER_CLICK}/click",
        "last update == fresh render",
    ]
    ok = all(row[6] == "PASS" and row[7] == "PASS" for row in rows)
    title = f"Coalescing on {database}: bursts of {CLICKERS} concurrent vote clicks on one post"
    return f"{title}\n{table(headers, rows)}", ok


async def main_async(argv: Sequence[str] | None = None) -> bool:
    p = parser(__doc__ or "")
    p.add_argument("--bursts", type=int, default=4, help="bursts of 25 clicks (default 4)")
    args = p.parse_args(argv)
    rows = await measure(args.database_url, bursts=args.bursts)
    text, ok = report(rows, database_label(args.database_url))
    print(text, flush=True)
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    return 0 if asyncio.run(main_async(argv)) else 1


if __name__ == "__main__":
    sys.exit(main())
