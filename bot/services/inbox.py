"""The inbox: signed requests from Slack, written before Slack is told they were received.

Slack never delivers again what it got a 200 for, so a request that may change something is
stored first (one small write) and marked handled when its listener has finished. After a
crash, what was stored but never handled is handled again. The request's signature is unique:
a captured request replayed within Slack's five-minute window finds its signature taken and
is refused.

Each stored request names the instance handling it; what an instance that is no longer alive
(models/locks.py) left unhandled is taken over at once. Times here are the wall clock's, never
the injected one: Slack's window for signatures is real time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, delete, select

from models.db import SessionFactory, make_engine, make_session_factory, transaction
from models.dialect import insert_for
from models.tables import InboundRequest

# Slack accepts a signature for five minutes; keep it a little longer than any replay could use.
REMEMBER_SIGNATURES = timedelta(minutes=10)
# Handling a stored request is given up after this many tries (each one after a crash).
MAX_ATTEMPTS = 3
# PostgreSQL connections of the inbox's own: its writer (one commit at a time) and the
# redelivery scan.
INBOX_POOL_SIZE = 2


@dataclass(frozen=True)
class InboxStore:
    """Where the inbox is kept, and its own engine when it has one (to dispose of)."""

    sessions: SessionFactory
    engine: AsyncEngine | None = None

    async def close(self) -> None:
        if self.engine is not None:
            await self.engine.dispose()


async def open_store(main: AsyncEngine, sessions: SessionFactory) -> InboxStore:
    """The inbox's store, with connections of its own: storing a request comes before every
    acknowledgement, and must never wait behind the listeners' work for a connection.

    On PostgreSQL it is the database itself (table `inbound_request`), through a small pool of
    its own: the main pool is bounded (models/db.py), and in a burst every connection there may
    be holding a vote. On a SQLite file it is a file of its own beside it (`<file>-inbox`, same
    table): SQLite has one writer per file, and the bot's file has one connection that every
    read and write queues for. The inbox holds only requests of the last minutes: keeping it
    apart costs nothing worth keeping. (An in-memory SQLite database shares the main one.)
    """
    url = main.url
    if url.get_backend_name() != "sqlite":
        engine = make_engine(url.render_as_string(False), pool_size=INBOX_POOL_SIZE)
        return InboxStore(make_session_factory(engine), engine)
    if url.database in (None, "", ":memory:"):
        return InboxStore(sessions)
    engine = make_engine(url.set(database=f"{url.database}-inbox").render_as_string(False))
    async with engine.begin() as connection:
        await connection.run_sync(
            lambda sync: InboundRequest.__table__.create(sync, checkfirst=True)  # type: ignore[attr-defined]
        )
    return InboxStore(make_session_factory(engine), engine)


@dataclass(frozen=True)
class StoredRequest:
    id: int
    content_type: str
    body: str


@dataclass
class _Arrival:
    values: dict[str, object]
    stored: asyncio.Future[int | None]


class InboxWriter:
    """Group commit: requests arriving together are stored together, in one transaction.

    Storing comes before every acknowledgement, so 25 clicks arriving at once would otherwise
    queue for 25 commits on SQLite's single writer. Here whoever arrives while a commit is
    under way joins the next one: each waits for at most two commits, and the marks that
    requests were handled ride along in the same transactions.
    """

    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions
        self._arrivals: list[_Arrival] = []
        self._handled: list[tuple[int, datetime, asyncio.Future[None]]] = []
        self._writing: asyncio.Task[None] | None = None

    async def remember(
        self, *, signature: str, content_type: str, body: str, now: datetime, instance: int
    ) -> int | None:
        """Store a request before answering Slack: its id, or None for a replay (signature
        seen before). Raises what the database raised."""
        values: dict[str, object] = {
            "signature": signature,
            "received_at": now,
            "content_type": content_type[:100],
            "body": body,
            "instance": instance,
            "claimed_at": now,
            "attempts": 1,
        }
        stored: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._arrivals.append(_Arrival(values, stored))
        self._write_soon()
        return await asyncio.shield(stored)

    async def mark_handled(self, request_id: int, now: datetime) -> None:
        """The listener has finished: forget the body, keep the signature for the replay window."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._handled.append((request_id, now, done))
        self._write_soon()
        await asyncio.shield(done)

    def _write_soon(self) -> None:
        if self._writing is None or self._writing.done():
            self._writing = asyncio.get_running_loop().create_task(self._write_all())

    async def _write_all(self) -> None:
        while self._arrivals or self._handled:
            arrivals, self._arrivals = self._arrivals, []
            handled, self._handled = self._handled, []
            try:
                ids = await self._commit(arrivals, handled)
            except Exception as error:  # each waiter meets it, as if it had written alone
                for waiter in [a.stored for a in arrivals] + [h[2] for h in handled]:
                    if not waiter.done():
                        waiter.set_exception(error)
                continue
            for arrival in arrivals:
                # The first of a signature gets the id; any later one (a replay) gets None.
                row_id = ids.pop(str(arrival.values["signature"]), None)
                if not arrival.stored.done():
                    arrival.stored.set_result(row_id)
            for _, _, done in handled:
                if not done.done():
                    done.set_result(None)

    async def _commit(
        self, arrivals: list[_Arrival], handled: list[tuple[int, datetime, asyncio.Future[None]]]
    ) -> dict[str, int]:
        stored: dict[str, int] = {}
        # One row per signature: a replay arriving with its original is its duplicate.
        first = list({str(a.values["signature"]): a.values for a in reversed(arrivals)}.values())
        async with transaction(self.sessions) as session:
            if arrivals:
                rows = await session.exec(
                    insert_for(session, InboundRequest)
                    .values(first)
                    .on_conflict_do_nothing()
                    .returning(col(InboundRequest.id), col(InboundRequest.signature))
                )
                stored = {signature: int(row_id) for row_id, signature in rows.all()}
            for request_id, now, _ in handled:
                await session.exec(
                    update(InboundRequest)
                    .where(col(InboundRequest.id) == request_id)
                    .values(handled_at=now, body=None)
                )
        return stored


async def take_unhandled(
    sessions: SessionFactory,
    *,
    now: datetime,
    instance: int,
    is_alive: Callable[[int], Awaitable[bool]],
) -> list[StoredRequest]:
    """Requests that an instance no longer alive left unhandled (it crashed, or was killed),
    taken over by `instance`: each by one taker only. Those tried `MAX_ATTEMPTS` times are
    given up (marked handled) instead, so that a request that kills the bot cannot loop."""
    async with sessions() as session:
        owners = (
            await session.exec(
                select(InboundRequest.instance)
                .where(col(InboundRequest.handled_at).is_(None))
                .distinct()
            )
        ).all()
    dead = [owner for owner in owners if not await is_alive(owner)]
    if not dead:
        return []
    async with transaction(sessions) as session:
        rows = (
            await session.exec(
                select(InboundRequest)
                .where(
                    col(InboundRequest.handled_at).is_(None),
                    col(InboundRequest.instance).in_(dead),
                )
                .order_by(col(InboundRequest.id))
                .with_for_update(skip_locked=True)
            )
        ).all()
        taken: list[StoredRequest] = []
        for row in rows:
            assert row.id is not None
            if row.attempts >= MAX_ATTEMPTS or row.body is None:
                row.handled_at, row.body = now, None
            else:
                row.instance, row.claimed_at, row.attempts = instance, now, row.attempts + 1
                taken.append(StoredRequest(row.id, row.content_type, row.body))
            session.add(row)
    return taken


async def forget_old(sessions: SessionFactory, now: datetime) -> int:
    """Delete handled requests past the replay window; how many went."""
    async with transaction(sessions) as session:
        result = await session.exec(
            delete(InboundRequest).where(
                col(InboundRequest.handled_at).is_not(None),
                col(InboundRequest.received_at) < now - REMEMBER_SIGNATURES,
            )
        )
        return int(result.rowcount or 0)
