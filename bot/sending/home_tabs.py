"""When Home tabs are published: after the burst, and which ones a reconciliation takes.

A burst of 25 votes asks for 25 Home tabs, each a dozen queries and a render: on a busy
process they would hold up the one post everyone is watching (bench/latency.py measured its
update 2.5 times later). So a Home refresh waits for a quiet moment, when no other has been
asked for `QUIET_SECONDS` and no post's update is in flight (the post is what everyone is
watching: its final render must not queue behind two dozen Home tabs on the database), at most
`AT_MOST_SECONDS`; its coalesced publish shows the final state. The tabs it published are
remembered for the next reconciliation.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Iterator

QUIET_SECONDS = 0.25
AT_MOST_SECONDS = 2.0
BUSY_POLL_SECONDS = 0.02


class HomeTabs:
    """This process's Home tabs: when to publish them, and which it published."""

    def __init__(self, quiet: float = QUIET_SECONDS, at_most: float = AT_MOST_SECONDS) -> None:
        self.quiet = quiet
        self.at_most = at_most
        self._last_asked = 0.0
        self._shown: set[str] = set()
        self._first_reconciliation = True
        self._one_at_a_time = asyncio.Lock()
        self.pending = 0  # refreshes asked for and not yet done (benchmarks settle on it)

    @contextlib.contextmanager
    def asked(self) -> Iterator[None]:
        """Around one refresh, from when it is asked for until its tabs are published."""
        self.pending += 1
        try:
            yield
        finally:
            self.pending -= 1

    async def wait_for_quiet(self, busy: Callable[[], bool] = lambda: False) -> None:
        """Wait until no Home refresh has been asked for `quiet` seconds and nothing is `busy`
        (or `at_most` passed)."""
        loop = asyncio.get_running_loop()
        asked = self._last_asked = loop.time()
        while True:
            calm = self._last_asked + self.quiet - loop.time()
            left = asked + self.at_most - loop.time()
            if left <= 0 or (calm <= 0 and not busy()):
                return
            await asyncio.sleep(min(calm, left) if calm > 0 else min(BUSY_POLL_SECONDS, left))

    @contextlib.asynccontextmanager
    async def turn(self, busy: Callable[[], bool] = lambda: False) -> AsyncIterator[None]:
        """One Home tab rendered at a time, each after any post's update in flight (at most
        `at_most` later): a burst's two dozen tabs never queue ahead of the post on the
        database, and a new burst of votes waits for one tab at the most."""
        async with self._one_at_a_time:
            loop = asyncio.get_running_loop()
            until = loop.time() + self.at_most
            while loop.time() < until:
                if not busy():
                    break
                await asyncio.sleep(BUSY_POLL_SECONDS)
            yield

    def published(self, user_id: str) -> None:
        self._shown.add(user_id)

    def to_reconcile(self, *, everyone: Iterable[str]) -> list[str]:
        """The tabs to render again now: every one published since the last reconciliation
        (and the first time, `everyone`: a new process does not know what the last one
        published), forgotten once returned."""
        users = (
            [*everyone, *sorted(self._shown)] if self._first_reconciliation else sorted(self._shown)
        )
        self._shown.clear()
        self._first_reconciliation = False
        return list(dict.fromkeys(users))

    def reconciled(self, user_ids: Iterable[str]) -> None:
        """Forget these: the reconciliation itself just published them."""
        self._shown.difference_update(user_ids)
