"""Advisory locks: several instances on one PostgreSQL skip work another instance is doing.

They only save work; correctness never depends on them (the reminder ledger gives exactly once).
SQLite serves one process, so there the lock is always granted.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from models.db import SessionFactory

# Fixed keys, one per kind of work (models.migrate uses 727_001 for upgrades).
RENEWAL_SCAN_LOCK_KEY = 727_002
# The namespace (first key) of the locks that say "this instance is alive".
INSTANCE_LOCK_NAMESPACE = 727_003


@asynccontextmanager
async def try_advisory_lock(sessions: SessionFactory, key: int) -> AsyncIterator[bool]:
    """Yield True if this process holds the lock `key` for the block, False if another does.

    On PostgreSQL a transaction-level lock on a connection of its own, held until the block
    ends; a process that dies loses its connection and with it the lock.
    """
    async with sessions() as session:
        # Checked before any connection: on SQLite a transaction would begin IMMEDIATE and
        # hold the write lock for the whole block.
        if session.get_bind().dialect.name != "postgresql":
            yield True
            return
        connection = await session.connection()
        result = await connection.execute(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}
        )
        acquired = bool(result.scalar())
        try:
            yield acquired
        finally:
            await session.rollback()  # ends the transaction, releasing the lock


class InstanceLife:
    """Which running instances are alive, so that one can finish what a dead one left.

    Each process gets a random instance number. On PostgreSQL it holds a session-level
    advisory lock on that number for as long as it runs, on a connection of its own: when the
    process dies, PostgreSQL ends the connection and the lock with it, so another instance (or
    the restarted one) sees at once that the work it left is nobody's. SQLite serves one
    process, so there every other instance number is a dead one.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.number = secrets.randbelow(2**31 - 1) + 1
        self._connection: AsyncConnection | None = None

    @property
    def postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    async def start(self) -> None:
        if not self.postgres:
            return
        self._connection = await self.engine.connect()
        await self._connection.execute(
            text("SELECT pg_advisory_lock(:space, :number)"),
            {"space": INSTANCE_LOCK_NAMESPACE, "number": self.number},
        )
        await self._connection.commit()

    async def stop(self) -> None:
        if self._connection is not None:
            await self._connection.close()  # the lock goes with the connection
            self._connection = None

    async def is_alive(self, number: int) -> bool:
        if number == self.number:
            return True
        if not self.postgres:
            return False
        async with self.engine.connect() as connection:
            free = (
                await connection.execute(
                    text("SELECT pg_try_advisory_lock(:space, :number)"),
                    {"space": INSTANCE_LOCK_NAMESPACE, "number": number},
                )
            ).scalar()
            if free:
                await connection.execute(
                    text("SELECT pg_advisory_unlock(:space, :number)"),
                    {"space": INSTANCE_LOCK_NAMESPACE, "number": number},
                )
            await connection.commit()
        return not free
