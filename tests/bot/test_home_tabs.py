"""Home tabs: nobody waits for one; one worker publishes them, one at a time, after the posts."""

from __future__ import annotations

import asyncio

from bot.sending.coalesce import POST, Coalescer
from bot.sending.home_tabs import HomeTabs


async def test_asking_returns_at_once_and_the_tab_is_published_after_a_quiet_moment() -> None:
    tabs = HomeTabs(quiet=0.05, at_most=5.0)
    published: list[str] = []

    async def publish(user_id: str) -> bool:
        published.append(user_id)
        return True

    tabs.ask(["U1"], publish)
    assert published == [] and tabs.pending == 1
    assert await tabs.settled(2.0)
    assert published == ["U1"] and tabs.pending == 0


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

    async def publish(user_id: str) -> bool:
        order.append(f"home {user_id} sent")
        return True

    sending = asyncio.create_task(updates.run((POST, 1), post))
    await asyncio.sleep(0)
    assert updates.in_flight(POST)
    tabs.ask(["U1", "U2"], publish, lambda: updates.in_flight(POST))
    await asyncio.sleep(0.1)
    assert order == ["post started"]  # the tabs wait for the post
    release.set()
    await sending
    assert await tabs.settled(2.0)
    assert order == ["post started", "post sent", "home U1 sent", "home U2 sent"]


async def test_one_tab_at_a_time_and_a_person_asked_for_again_meanwhile_once_more() -> None:
    tabs = HomeTabs(quiet=0.0)
    inside = 0
    most = 0
    published: list[str] = []

    async def publish(user_id: str) -> bool:
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        await asyncio.sleep(0.01)
        published.append(user_id)
        inside -= 1
        return True

    for _ in range(20):  # a burst of changes for three people
        tabs.ask(["U1", "U2", "U3"], publish)
    await asyncio.sleep(0.005)  # U1's tab is being published...
    tabs.ask(["U1"], publish)  # ...when U1 changes something again
    assert await tabs.settled(2.0)
    assert most == 1
    assert published == ["U1", "U2", "U3", "U1"]  # the last shows U1's final state


async def test_a_post_that_never_settles_holds_a_tab_back_at_most_so_long() -> None:
    tabs = HomeTabs(quiet=0.0, at_most=0.2)
    loop = asyncio.get_running_loop()
    started = loop.time()
    published: list[float] = []

    async def publish(user_id: str) -> bool:
        published.append(loop.time() - started)
        return True

    tabs.ask(["U1"], publish, lambda: True)
    assert await tabs.settled(2.0)
    assert 0.2 <= published[0] < 1.0


async def test_a_failing_tab_does_not_stop_the_others() -> None:
    tabs = HomeTabs(quiet=0.0)
    published: list[str] = []

    async def publish(user_id: str) -> bool:
        if user_id == "U1":
            raise ConnectionError("the database went away")
        published.append(user_id)
        return True

    tabs.ask(["U1", "U2"], publish)
    assert await tabs.settled(2.0)
    assert published == ["U2"]


async def test_a_reconciliation_renders_what_changes_published_and_not_its_own() -> None:
    tabs = HomeTabs(quiet=0.0)

    async def publish(user_id: str) -> bool:
        return user_id != "REFUSED"

    assert tabs.to_reconcile(everyone=["U1", "U2"]) == ["U1", "U2"]  # the first: everyone
    tabs.ask(["U1", "U2"], publish, remember=False)  # the reconciliation's own
    tabs.ask(["U3", "REFUSED"], publish)  # a vote's
    assert await tabs.settled(2.0)
    assert tabs.to_reconcile(everyone=["U1", "U2"]) == ["U3"]
    assert tabs.to_reconcile(everyone=["U1", "U2"]) == []


async def test_closing_stops_the_worker() -> None:
    tabs = HomeTabs(quiet=10.0, at_most=10.0)

    async def publish(user_id: str) -> bool:
        return True

    tabs.ask(["U1"], publish)
    assert not await tabs.settled(0.05)
    await tabs.close()
    assert await tabs.settled(0.0) and tabs.pending == 0


async def test_under_steady_asking_each_tab_goes_out_within_its_time_from_being_asked() -> None:
    """A backlog (everyone's tab after a decision) and a click every 10 ms: no tab waits for a
    quiet moment longer than `at_most` after it was asked for."""
    tabs = HomeTabs(quiet=0.25, at_most=0.3)
    loop = asyncio.get_running_loop()
    asked: dict[str, float] = {}
    waited: dict[str, float] = {}

    async def publish(user_id: str) -> bool:
        wait = loop.time() - asked.pop(user_id)  # since the first ask this publish answers
        waited[user_id] = max(wait, waited.get(user_id, 0.0))
        return True

    def ask(user_id: str) -> None:
        asked.setdefault(user_id, loop.time())
        tabs.ask([user_id], publish)

    for n in range(20):
        ask(f"U{n:02d}")
    ask("VOTER")
    for n in range(60):  # 0.6 s of clicks, never a quiet moment
        ask(f"CLICK{n % 3}")
        await asyncio.sleep(0.01)
    assert await tabs.settled(2.0)
    assert asked == {} and "VOTER" in waited  # every ask answered
    assert max(waited.values()) < 0.3 + 0.2  # its time, and a little for the loop


async def test_nothing_is_asked_for_after_closing() -> None:
    tabs = HomeTabs(quiet=0.0)
    published: list[str] = []

    async def publish(user_id: str) -> bool:
        published.append(user_id)
        return True

    await tabs.close()
    tabs.ask(["U1"], publish)  # a listener still running at shutdown
    assert await tabs.settled(0.0) and tabs.pending == 0
    await asyncio.sleep(0.05)
    assert published == []
