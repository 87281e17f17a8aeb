"""The async engine and sessions: one session per listener or job invocation.

SQLite gets WAL, a busy timeout and `BEGIN IMMEDIATE` on every transaction: a transaction that
reads then writes would otherwise fail with "database is locked" under concurrent clicks. It also
gets ONE pooled connection per process: every transaction takes SQLite's write lock, so a second
connection could only wait in SQLite's busy handler, which sleeps in steps of up to 100 ms and
does not wake when the lock is released (25 concurrent clicks took ~0.9 s to reach the post,
bench/latency.py). With one connection, coroutines queue in the pool and each is handed the
connection the moment the previous transaction ends. (Other processes on the same file, such as
`sanctuary-bot scan`, still meet the busy timeout.) Never open a second session while holding
one in the same task: it would wait for the pool's timeout. Since every transaction holds that
connection from its first statement to its commit, each statement makes one trip to the
driver's thread instead of aiosqlite's four (models/sqlite_driver.py).
"""

from __future__ import annotations

import errno
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from models import sqlite_driver

SQLITE_BUSY_TIMEOUT_SECONDS = 15
# Every SQLite transaction takes the write lock (BEGIN IMMEDIATE), so one connection suffices.
SQLITE_POOL_SIZE = 1

# PostgreSQL: connections kept open, and no more. The default (5, and 10 more opened when
# needed) opened and closed a connection for 76 of 200 votes in bursts of 25 (bench/latency.py),
# each a new server process and the driver's setup, on the machine's CPU; all the work runs on
# one event loop, so 10 connections keep it busy and a burst queues for them instead.
POSTGRESQL_POOL_SIZE = 10

SessionFactory = async_sessionmaker[AsyncSession]


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for `url`, with SQLite set up for one process with many coroutines."""
    if not is_sqlite(url):
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("pool_size", POSTGRESQL_POOL_SIZE)
        kwargs.setdefault("max_overflow", 0)
        return create_async_engine(url, **kwargs)
    kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
    kwargs.setdefault("max_overflow", 0)
    connect_args = {
        "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
        # aiosqlite, one trip to its thread per statement (models/sqlite_driver.py).
        "async_creator_fn": sqlite_driver.connect,
    }
    engine = create_async_engine(url, connect_args=connect_args, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (the driver's implicit BEGIN is a deferred one).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def transaction(sessions: SessionFactory) -> AsyncIterator[AsyncSession]:
    """One unit of work: committed when the block ends, rolled back if it raises."""
    async with sessions() as session, session.begin():
        yield session


def missing_sqlite_folder(url: str) -> str | None:
    """For a SQLite file in a folder that does not exist, what to say (SQLite would fail to
    open it; checked first, since a failed aiosqlite connection leaves its thread behind)."""
    if not is_sqlite(url):
        return None
    path = Path(make_url(url).database or "")
    if path.parent.is_dir():
        return None
    return (
        f"Cannot open the SQLite database {path}: the folder {path.parent} does not exist. "
        "Create it, or correct DATABASE_URL."
    )


def describe_database_error(error: BaseException, url: str) -> str | None:
    """One line saying why the database at `url` cannot be opened, and what to do; None when
    `error` is not about opening it (a bug, say, which keeps its traceback)."""
    parsed = make_url(url)
    cause = error.orig if isinstance(error, DBAPIError) else error
    text = str(cause).strip()
    if is_sqlite(url):
        path = Path(parsed.database or "")
        if "unable to open database file" in text:
            missing = missing_sqlite_folder(url)
            if missing is not None:
                return missing
            return (
                f"Cannot open the SQLite database {path}: this user may not create or write "
                f"files in {path.parent}. Give it that right, or correct DATABASE_URL."
            )
        if "readonly" in text:
            return (
                f"The SQLite database {path} is read-only for this user: give it write access "
                "(the file and its folder), or correct DATABASE_URL."
            )
        if "not a database" in text:
            return f"{path} is not a SQLite database: correct DATABASE_URL."
        return None
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    if isinstance(cause, socket.gaierror):
        return (
            f"Cannot find the PostgreSQL host {parsed.host!r} of DATABASE_URL "
            f"({cause.strerror}): correct the host name."
        )
    if isinstance(cause, ConnectionRefusedError) or (
        isinstance(cause, OSError) and cause.errno == errno.ECONNREFUSED
    ):
        return (
            f"Cannot connect to PostgreSQL at {where} (connection refused): start PostgreSQL, "
            "or correct the host and port in DATABASE_URL."
        )
    if isinstance(cause, (TimeoutError, OSError)):
        reason = "no answer in time" if isinstance(cause, TimeoutError) else cause.strerror
        return (
            f"Cannot connect to PostgreSQL at {where} ({reason or type(cause).__name__}): check "
            "that it is running and reachable from here, or correct DATABASE_URL."
        )
    sqlstate = str(getattr(cause, "sqlstate", "") or "")
    if sqlstate == "3D000":
        return (
            f"PostgreSQL at {where} has no database {parsed.database!r}: create it "
            f"(createdb {parsed.database}), or correct DATABASE_URL."
        )
    if sqlstate.startswith("28"):
        return (
            f"PostgreSQL at {where} refused user {parsed.username!r} ({text}): correct the "
            "user or password in DATABASE_URL."
        )
    if sqlstate.startswith("08") or sqlstate in ("57P03", "53300"):
        return (
            f"PostgreSQL at {where} would not take a connection ({text}): try again when it is "
            "up, or correct DATABASE_URL."
        )
    return None
