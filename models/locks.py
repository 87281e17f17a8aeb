"""Advisory locks: several instances on one PostgreSQL skip work another instance is doing.

They only save work; correctness never depends on them (the reminder ledger gives exactly once).
SQLite serves one process, so there the lock is always granted.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text

from models.db import SessionFactory

# Fixed keys, one per kind of work (models.migrate uses 727_001 for upgrades).
RENEWAL_SCAN_LOCK_KEY = 727_002


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
