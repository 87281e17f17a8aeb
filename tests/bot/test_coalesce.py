from __future__ import annotations

import asyncio

import pytest

from bot.sending.coalesce import Coalescer


class Post:
    """A post whose content is the number of changes made; sending shows the current count."""

    def __init__(self) -> None:
        self.changes = 0
        self.shown: list[int] = []
        self.release = asyncio.Event()

    async def send(self) -> bool:
        seen = self.changes
        await self.release.wait()
        self.shown.append(seen)
        return True


async def test_a_burst_costs_two_sends_and_ends_with_the_final_state() -> None:
    coalescer, post = Coalescer(), Post()

    async def change_and_refresh() -> bool:
        post.changes += 1
        return await coalescer.run("post", post.send)

    tasks = [asyncio.create_task(change_and_refresh()) for _ in range(25)]
    await asyncio.sleep(0)
    post.release.set()
    assert all(await asyncio.gather(*tasks))
    assert len(post.shown) == 2  # the first, and one more for everything that came meanwhile
    assert post.shown[-1] == 25
    assert (coalescer.requests, coalescer.sends) == (25, 2)


async def test_different_posts_are_not_coalesced() -> None:
    coalescer, a, b = Coalescer(), Post(), Post()
    a.release.set()
    b.release.set()
    await asyncio.gather(coalescer.run("a", a.send), coalescer.run("b", b.send))
    assert (len(a.shown), len(b.shown)) == (1, 1)


async def test_a_failed_send_is_reported_and_waiters_still_get_their_render() -> None:
    coalescer = Coalescer()
    calls = 0
    gate = asyncio.Event()

    async def flaky() -> bool:
        nonlocal calls
        calls += 1
        await gate.wait()
        if calls == 1:
            raise RuntimeError("ratelimited")
        return True

    first = asyncio.create_task(coalescer.run("post", flaky))
    await asyncio.sleep(0)
    second = asyncio.create_task(coalescer.run("post", flaky))
    await asyncio.sleep(0)
    gate.set()
    with pytest.raises(RuntimeError):
        await first
    assert await second is True
    assert calls == 2
