"""The SQLite driver makes one trip to its thread per statement, and answers as aiosqlite does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from models import sqlite_driver
from models.db import make_engine


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    try:
        yield engine
    finally:
        await engine.dispose()


def _count_trips(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    trips = [0]
    real = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        trips[0] += 1
        return await real(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return trips


async def test_a_statement_is_one_trip(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with engine.begin() as connection:
        trips = _count_trips(monkeypatch)
        inserted = await connection.execute(text("INSERT INTO t (name) VALUES ('a')"))
        assert trips[0] == 1 and inserted.rowcount == 1 and inserted.lastrowid == 1
        rows = (await connection.execute(text("SELECT id, name FROM t"))).all()
        assert trips[0] == 2 and [tuple(row) for row in rows] == [(1, "a")]


async def test_long_results_and_streams_come_whole_and_in_order(engine: AsyncEngine) -> None:
    count = sqlite_driver.BATCH * 2 + 7  # across two batch boundaries
    async with engine.begin() as connection:
        for n in range(count):
            await connection.execute(text("INSERT INTO t (name) VALUES (:n)"), {"n": f"n{n:05d}"})
    async with engine.connect() as connection:
        everything = (await connection.execute(text("SELECT name FROM t ORDER BY id"))).all()
        streamed = [row[0] async for row in await connection.stream(text("SELECT name FROM t"))]
        exactly_a_batch = (
            await connection.execute(text(f"SELECT name FROM t LIMIT {sqlite_driver.BATCH}"))
        ).all()
        first = (await connection.execute(text("SELECT name FROM t ORDER BY id"))).first()
    names = [f"n{n:05d}" for n in range(count)]
    assert [row[0] for row in everything] == names
    assert streamed == names
    assert len(exactly_a_batch) == sqlite_driver.BATCH
    assert first is not None and first[0] == "n00000"


async def test_an_error_is_sqlites_and_the_connection_goes_on(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO t (name) VALUES ('same')"))
    with pytest.raises(IntegrityError, match="UNIQUE"):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO t (name) VALUES ('same')"))
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM t"))).scalar() == 1


async def test_fetchmany_and_rowcount_answer_as_sqlite3_does(engine: AsyncEngine) -> None:
    count = sqlite_driver.BATCH + 100
    async with engine.begin() as connection:
        for n in range(count):
            await connection.execute(text("INSERT INTO t (name) VALUES (:n)"), {"n": f"n{n:05d}"})
        result = await connection.execute(text("SELECT name FROM t ORDER BY id"))
        assert [tuple(row) for row in result.fetchmany()] == [("n00000",)]  # arraysize: 1
        renamed = await connection.execute(text("UPDATE t SET name = name || '!' RETURNING id"))
        assert len(renamed.all()) == count
        assert renamed.rowcount == count  # counted once every returned row was fetched
