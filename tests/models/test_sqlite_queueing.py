"""On SQLite, concurrent transactions of one process queue for the connection instead of
meeting SQLite's lock (whose busy handler sleeps in steps of up to 100 ms: bench/latency.py
showed 25 concurrent clicks taking ~0.9 s to reach the post)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import func, select

from models.db import make_engine, make_session_factory, transaction
from models.tables import ProcessedEvent
from tests.conftest import START


async def test_concurrent_transactions_never_wait_on_sqlites_lock(database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only: PostgreSQL has row locks and a pool of connections")
    engine = make_engine(database_url)

    # Registered after make_engine's own listener: a transaction that found the database
    # locked would now fail at once with "database is locked" instead of sleeping.
    @event.listens_for(engine.sync_engine, "connect")
    def _no_busy_wait(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.close()

    sessions = make_session_factory(engine)

    async def click(n: int) -> None:
        async with transaction(sessions) as session:
            await session.exec(select(func.count()).select_from(ProcessedEvent))
            await asyncio.sleep(0)  # let the other clicks run meanwhile
            session.add(ProcessedEvent(event_id=f"Ev{n:04d}", received_at=START))

    try:
        await asyncio.gather(*(click(n) for n in range(25)))
        async with sessions() as session:
            stored = (await session.exec(select(func.count()).select_from(ProcessedEvent))).one()
        assert stored == 25
    finally:
        await engine.dispose()
