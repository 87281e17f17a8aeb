"""aiosqlite with one trip to its thread per statement instead of four.

aiosqlite runs each call on the connection's own thread and hands the answer back to the event
loop: a trip that costs 0.1-0.2 ms when the loop is idle, and, under load, as long as the loop
takes to come round to it. SQLAlchemy makes four per statement (open a cursor, execute, fetch
the rows, close), so the vote's eleven statements made 44 trips while holding the process's one
SQLite connection (models/db.py): 8.4 ms per vote alone, and a burst of 25 votes held the post's
final render back by their sum (bench/latency.py). Here a cursor is opened, executed, fetched
and closed in one trip (a result longer than `BATCH` rows is fetched a batch per trip after
that); SQLAlchemy then reads the rows from memory. Only statements change: transactions,
errors and the thread are aiosqlite's own.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar, cast

import aiosqlite
from aiosqlite.context import contextmanager

Rows = list[Any]
T = TypeVar("T")

# Rows fetched with the statement; a longer result (an export) is fetched a batch per trip.
BATCH = 500


class OneTripCursor(aiosqlite.Cursor):
    """A cursor whose `execute` runs the statement and fetches its first `BATCH` rows in one
    trip (all of them, nearly always); a longer result is fetched a batch per trip."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.iter_chunk_size = conn._iter_chunk_size
        self._conn = conn
        self._open: sqlite3.Cursor | None = None  # only while rows remain to be fetched
        self._rows: deque[Any] = deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1  # sqlite3's default: rows per fetchmany() without a size

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> OneTripCursor:
        given: Any = () if parameters is None else parameters  # a sequence or a mapping
        return await self._run(lambda cursor: cursor.execute(sql, given))

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> OneTripCursor:
        rows: Any = list(parameters)  # sequences or mappings, as sqlite3 takes them
        return await self._run(lambda cursor: cursor.executemany(sql, rows))

    async def _run(self, statement: Callable[[sqlite3.Cursor], object]) -> OneTripCursor:
        await self.close()
        connection = self._conn

        def on_the_thread() -> tuple[Any, int, int | None, Rows, sqlite3.Cursor | None]:
            cursor = connection._conn.cursor()
            try:
                statement(cursor)
            except BaseException:
                cursor.close()
                raise
            rows, left = _batch(cursor) if cursor.description else _none(cursor)
            return cursor.description, cursor.rowcount, cursor.lastrowid, rows, left

        (
            self._description,
            self._rowcount,
            self._lastrowid,
            rows,
            self._open,
        ) = await _on_its_thread(connection, on_the_thread)
        self._rows = deque(rows)
        return self

    async def _more(self) -> bool:
        """Fetch the next batch, if the statement has more rows; False if it has none."""
        cursor = self._open
        if cursor is None:
            return False

        def on_the_thread() -> tuple[Rows, sqlite3.Cursor | None, int]:
            rows, left = _batch(cursor)
            return rows, left, cursor.rowcount  # final once every row is fetched (RETURNING)

        rows, self._open, self._rowcount = await _on_its_thread(self._conn, on_the_thread)
        self._rows.extend(rows)
        return bool(rows)

    async def fetchone(self) -> Any:
        if not self._rows:
            await self._more()
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        count = self._arraysize if size is None else size
        while len(self._rows) < count and await self._more():
            pass
        return [self._rows.popleft() for _ in range(min(count, len(self._rows)))]

    async def fetchall(self) -> Sequence[Any]:
        while await self._more():
            pass
        rows, self._rows = list(self._rows), deque()
        return rows

    async def close(self) -> None:
        self._rows.clear()
        if self._open is not None:
            cursor, self._open = self._open, None
            await _on_its_thread(self._conn, cursor.close)

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    @property
    def lastrowid(self) -> int | None:
        return self._lastrowid


def _batch(cursor: sqlite3.Cursor) -> tuple[Rows, sqlite3.Cursor | None]:
    """On the connection's thread: the next `BATCH` rows, and the cursor if more may follow
    (closed once the rows run out)."""
    rows = cursor.fetchmany(BATCH)
    if len(rows) == BATCH:
        return rows, cursor
    cursor.close()
    return rows, None


def _none(cursor: sqlite3.Cursor) -> tuple[Rows, None]:
    """On the connection's thread: a statement without rows is done with its cursor."""
    cursor.close()
    return [], None


async def _on_its_thread(connection: aiosqlite.Connection, work: Callable[[], T]) -> T:
    """`work()` run on the connection's thread: one trip."""
    return cast(T, await connection._execute(work))  # type: ignore[no-untyped-call]


class OneTripConnection(aiosqlite.Connection):
    """An aiosqlite connection whose cursors make one trip per statement."""

    @contextmanager
    async def cursor(self) -> OneTripCursor:  # type: ignore[override]
        return OneTripCursor(self)


def connect(database: str, **kwargs: Any) -> OneTripConnection:
    """Like `aiosqlite.connect` (SQLAlchemy passes the same arguments), with one-trip cursors."""

    def connector() -> sqlite3.Connection:
        opened: sqlite3.Connection = sqlite3.connect(database, **kwargs)
        return opened

    connection = OneTripConnection(connector, iter_chunk_size=64)
    connection._thread.daemon = True  # as SQLAlchemy does for aiosqlite's own
    return connection
