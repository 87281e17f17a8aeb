"""When Home tabs are published: by one worker, after the burst, and which ones a
reconciliation takes.

A burst of 25 votes asks for 25 Home tabs, each a dozen queries and a render: on a busy
process they would hold up the one post everyone is watching (bench/latency.py measured its
update 2.5 times later). So nobody waits for a Home tab: a change asks for the tabs it affects
and goes on, and one worker per process publishes them, one at a time, each when no other has
been asked for `QUIET_SECONDS` and no post's update is in flight (the post's final render must
not queue behind two dozen tabs on the database), or at the latest `AT_MOST_SECONDS` after it
was asked: a backlog then goes out without waiting. A person asked for twice before their turn
is published once, from the database as it is then: the tab shows the final state. (When
every listener awaited its own tab, a sustained burst left hundreds of them parked on the
queue, holding their requests: bench/memory.py measured 185 MB against 105 MB.)

The tabs published because something changed are remembered for the next reconciliation.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable

QUIET_SECONDS = 0.25
AT_MOST_SECONDS = 2.0
BUSY_POLL_SECONDS = 0.02

Publish = Callable[[str], Awaitable[bool]]

log = logging.getLogger(__name__)


def _never_busy() -> bool:
    return False


class HomeTabs:
    """This process's Home tabs: which are waiting, when to publish them, which were published."""

    def __init__(self, quiet: float = QUIET_SECONDS, at_most: float = AT_MOST_SECONDS) -> None:
        self.quiet = quiet
        self.at_most = at_most
        self._last_asked = 0.0
        # Waiting to be published, in the order asked: whether to remember it once published,
        # and when it was first asked for (it is published `at_most` after that at the latest).
        self._waiting: dict[str, tuple[bool, float]] = {}
        self._closed = False
        self._publishing: str | None = None
        self._worker: asyncio.Task[None] | None = None
        self._publish: Publish | None = None
        self._busy: Callable[[], bool] = _never_busy
        self._shown: set[str] = set()
        self._first_reconciliation = True

    def ask(
        self,
        user_ids: Iterable[str],
        publish: Publish,
        busy: Callable[[], bool] = _never_busy,
        *,
        remember: bool = True,
    ) -> None:
        """Have these people's tabs published soon by `publish(user_id)` (False if Slack
        refused), when nothing is `busy`; returns at once. `remember=False` for a
        reconciliation's own tabs, which the next one need not render again."""
        if self._closed:  # shutting down: the next process's reconciliation renders them all
            return
        loop = asyncio.get_running_loop()
        now = self._last_asked = loop.time()
        self._publish, self._busy = publish, busy
        for user_id in user_ids:
            remembered, since = self._waiting.get(user_id, (False, now))
            self._waiting[user_id] = (remembered or remember, since)
        if self._waiting and (self._worker is None or self._worker.done()):
            self._worker = loop.create_task(self._work(), name="home-tabs")

    @property
    def pending(self) -> int:
        """How many tabs are waiting or being published."""
        return len(self._waiting) + (self._publishing is not None)

    async def settled(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109
        """Wait until every tab asked for is published (at most `timeout` seconds); True if so.
        For what must not end before them: a one-off scan, shutdown, a benchmark's next step."""
        loop = asyncio.get_running_loop()
        until = None if timeout is None else loop.time() + timeout
        while self._worker is not None and not self._worker.done():
            left = None if until is None else until - loop.time()
            if left is not None and left <= 0:
                return False
            await asyncio.wait({self._worker}, timeout=left)
        return True

    async def close(self) -> None:
        """Stop publishing (at shutdown: the next process's reconciliation renders them all)."""
        self._closed = True
        if self._worker is not None and not self._worker.done():
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        self._waiting.clear()

    async def _work(self) -> None:
        while self._waiting:
            user_id, (remember, asked) = next(iter(self._waiting.items()))
            try:
                await self._calm(until=asked + self.at_most)
            except Exception:  # `busy` failed: publish without waiting
                log.exception("Could not tell whether a post is being updated")
            del self._waiting[user_id]
            self._publishing = user_id
            try:
                assert self._publish is not None
                if await self._publish(user_id) and remember:
                    self._shown.add(user_id)
            except Exception:  # the database went away: the next reconciliation renders it
                log.exception("Could not publish the Home tab of %s", user_id)
            finally:
                self._publishing = None

    async def _calm(self, *, until: float) -> None:
        """Until no tab has been asked for `quiet` seconds and nothing is busy, or `until` (the
        oldest waiting tab's time is up): a steady stream of votes still sees every tab
        published at most `at_most` after it was asked for, and a backlog then goes out at
        once."""
        loop = asyncio.get_running_loop()
        while True:
            calm = self._last_asked + self.quiet - loop.time()
            left = until - loop.time()
            if left <= 0 or (calm <= 0 and not self._busy()):
                return
            await asyncio.sleep(min(calm, left) if calm > 0 else min(BUSY_POLL_SECONDS, left))

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
