"""Home tabs wait for the post: one at a time, after any post's update in flight."""

from __future__ import annotations

import asyncio

from bot.sending.coalesce import HOME, POST, Coalescer
from bot.sending.home_tabs import HomeTabs


async def test_a_home_tab_waits_while_a_post_is_being_updated() -> None:
    updates = Coalescer()
    tabs = HomeTabs(quiet=0.0, at_most=5.0)
    order: list[str] = []
    release = asyncio.Event()

    async def post() -> bool:
        order.append("post started")
        await release.wait()
        order.append("post sent")
        return True

    async def home() -> None:
        await tabs.wait_for_quiet(lambda: updates.in_flight(POST))
        async with tabs.turn(lambda: updates.in_flight(POST)):
            order.append("home sent")

    sending = asyncio.create_task(updates.run((POST, 1), post))
    await asyncio.sleep(0)
    assert updates.in_flight(POST) and not updates.in_flight(HOME)
    homes = asyncio.gather(home(), home())
    await asyncio.sleep(0.1)
    assert order == ["post started"]  # the tabs wait for the post
    release.set()
    await asyncio.gather(sending, homes)
    assert order == ["post started", "post sent", "home sent", "home sent"]


async def test_one_tab_at_a_time() -> None:
    tabs = HomeTabs(quiet=0.0)
    inside = 0
    most = 0

    async def publish() -> None:
        nonlocal inside, most
        async with tabs.turn():
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(publish() for _ in range(5)))
    assert most == 1


async def test_a_post_that_never_settles_holds_a_tab_back_at_most_so_long() -> None:
    tabs = HomeTabs(quiet=0.0, at_most=0.2)
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with tabs.turn(lambda: True):
        waited = loop.time() - started
    assert 0.2 <= waited < 1.0
