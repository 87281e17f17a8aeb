"""At most one Slack update in flight per post, however many changes arrive meanwhile.

`chat.update` is rate limited (about 50 a minute). When a refresh is requested while one is in
flight, it is not sent at once: the in-flight one, when it returns, renders once more from the
database (which by then holds every change) and that render answers all who waited.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field

# The kind of key of a post's updates: (POST, application id).
POST = "application"


@dataclass
class _Flight:
    waiting: list[asyncio.Future[bool]] = field(default_factory=list)


class Coalescer:
    """Runs `send()` for a key, folding requests that arrive during a send into one more send."""

    def __init__(self) -> None:
        self._flights: dict[Hashable, _Flight] = {}
        self.sends = 0  # for benchmarks: how many sends actually happened
        self.requests = 0

    async def run(self, key: Hashable, send: Callable[[], Awaitable[bool]]) -> bool:
        self.requests += 1
        flight = self._flights.get(key)
        if flight is not None:
            future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            flight.waiting.append(future)
            return await future
        flight = _Flight()
        self._flights[key] = flight
        try:
            try:
                first: bool | BaseException = await self._send(send)
            except Exception as error:  # re-raised below, after the waiters are served
                first = error
            while flight.waiting:
                waiting, flight.waiting = flight.waiting, []
                try:
                    result = await self._send(send)
                except Exception as error:  # handed to every waiter, who reports it
                    for future in waiting:
                        future.set_exception(error)
                else:
                    for future in waiting:
                        future.set_result(result)
        finally:
            del self._flights[key]
            for future in flight.waiting:  # only when cancelled mid-send
                future.cancel()
        if isinstance(first, BaseException):
            raise first
        return first

    def in_flight(self, kind: Hashable) -> bool:
        """Whether a send is running or pending for any key `(kind, ...)`."""
        return any(isinstance(key, tuple) and key[:1] == (kind,) for key in self._flights)

    async def _send(self, send: Callable[[], Awaitable[bool]]) -> bool:
        self.sends += 1
        return await send()
