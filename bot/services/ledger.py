"""The reminder ledger: exactly-once sending that survives restarts, crashes and twin instances.

A reminder is claimed with an INSERT under a unique key and committed before it is sent; after
sending it is marked sent. A claim never marked sent (the bot died in between, or Slack did not
answer in time) may be taken again once its lease has run out. The row also remembers when the
message was first handed to Slack, so that a retry knows whether (and since when) to look for
it in Slack before sending it again. Messages go through `bot.sending.once`, the one place that
runs this sequence around a Slack call.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.db import SessionFactory, transaction
from models.dialect import insert_for
from models.tables import LedgerState, ReminderLedger

DEFAULT_LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class Key:
    """A message's key in the ledger, a field for each column of its unique key: what, about
    which row, which round or offset, to whom."""

    kind: str
    subject_id: int
    round: int = 0
    offset_days: int = 0
    recipient: str = ""

    def __str__(self) -> str:
        parts = [f"{self.kind} #{self.subject_id}"]
        if self.round:
            parts.append(f"round {self.round}")
        if self.offset_days:
            parts.append(f"{self.offset_days} days before")
        if self.recipient:
            parts.append(f"for {self.recipient}")
        return " ".join(parts)


@dataclass(frozen=True)
class Claim:
    """A claim this caller holds: its ledger row, and when an earlier run first handed the
    message to Slack (None: no run did, so Slack cannot have it)."""

    id: int
    first_attempt_at: datetime | None = None


async def claim(
    sessions: SessionFactory, key: Key, now: datetime, lease: timedelta = DEFAULT_LEASE
) -> int | None:
    """Claim a reminder; the ledger row id if this caller should send it, else None."""
    taken = await claim_to_send(sessions, key, now, lease)
    return taken.id if taken is not None else None


async def claim_to_send(
    sessions: SessionFactory, key: Key, now: datetime, lease: timedelta = DEFAULT_LEASE
) -> Claim | None:
    """`claim`, telling a fresh claim from one retaken after its lease (see `Claim`)."""
    async with transaction(sessions) as session:
        columns = asdict(key)
        statement = (
            insert_for(session, ReminderLedger)
            .values(**columns, state=LedgerState.CLAIMED, claimed_at=now, attempts=1)
            .on_conflict_do_nothing()
            .returning(col(ReminderLedger.id))
        )
        inserted = (await session.exec(statement)).scalar_one_or_none()
        if inserted is not None:
            return Claim(int(inserted))
        # Taken before: only a stale claim (a crash between claim and send) may be retaken.
        retaken = await session.exec(
            update(ReminderLedger)
            .where(
                *(getattr(ReminderLedger, name) == value for name, value in columns.items()),
                col(ReminderLedger.state) == LedgerState.CLAIMED,
                col(ReminderLedger.claimed_at) < now - lease,
            )
            .values(claimed_at=now, attempts=col(ReminderLedger.attempts) + 1)
            .returning(col(ReminderLedger.id), col(ReminderLedger.first_attempt_at))
        )
        row = retaken.one_or_none()
        return Claim(int(row[0]), row[1]) if row is not None else None


async def mark_attempted(sessions: SessionFactory, ledger_id: int, at: datetime) -> None:
    """Record, before the message is handed to Slack, that it is (the first time only)."""
    async with transaction(sessions) as session:
        await session.exec(
            update(ReminderLedger)
            .where(
                col(ReminderLedger.id) == ledger_id,
                col(ReminderLedger.first_attempt_at).is_(None),
            )
            .values(first_attempt_at=at)
        )


async def handed_over(
    session: AsyncSession, kind: str, subject_id: int
) -> list[tuple[Key, datetime]]:
    """The `kind` messages about `subject_id` that were handed to Slack, each with the moment
    it first was (where to look for it from, `bot.sending.once.find_in_slack`)."""
    rows = await session.exec(
        select(ReminderLedger).where(
            col(ReminderLedger.kind) == kind,
            col(ReminderLedger.subject_id) == subject_id,
            col(ReminderLedger.first_attempt_at).is_not(None),
        )
    )
    return [
        (Key(r.kind, r.subject_id, r.round, r.offset_days, r.recipient), r.first_attempt_at)
        for r in rows.all()
        if r.first_attempt_at is not None
    ]


async def mark_sent(sessions: SessionFactory, ledger_id: int, now: datetime) -> None:
    async with transaction(sessions) as session:
        await mark_sent_in(session, ledger_id, now)


async def mark_sent_in(session: AsyncSession, ledger_id: int, now: datetime) -> None:
    """`mark_sent` inside the caller's transaction (e.g. with its audit entry)."""
    await session.exec(
        update(ReminderLedger)
        .where(col(ReminderLedger.id) == ledger_id)
        .values(state=LedgerState.SENT, sent_at=now)
    )


async def record_skipped_in(session: AsyncSession, key: Key, now: datetime, note: str) -> bool:
    """Record, in the caller's transaction (with its audit entry), that a reminder was
    deliberately not sent (e.g. superseded by a more urgent one). True if this call recorded it;
    False if the ledger already had that reminder."""
    inserted = await session.exec(
        insert_for(session, ReminderLedger)
        .values(
            **asdict(key),
            state=LedgerState.SKIPPED,
            claimed_at=now,
            attempts=0,
            note=note[:500],
        )
        .on_conflict_do_nothing()
        .returning(col(ReminderLedger.id))
    )
    return inserted.scalar_one_or_none() is not None


async def release(sessions: SessionFactory, ledger_id: int) -> None:
    """Give a claim back at once (sending failed in a way worth retrying on the next scan)."""
    async with transaction(sessions) as session:
        row = (
            await session.exec(select(ReminderLedger).where(ReminderLedger.id == ledger_id))
        ).one()
        if row.state == LedgerState.CLAIMED:
            await session.delete(row)
