from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import select

from models.db import (
    POSTGRESQL_POOL_SIZE,
    SQLITE_POOL_SIZE,
    SessionFactory,
    make_engine,
    make_session_factory,
    transaction,
)
from models.migrate import current_revision, head_revision, upgrade
from models.tables import AuditEntry, Conflict, Member, ReminderLedger, Vote, metadata
from tests.conftest import START


async def test_migrations_reach_head_and_match_the_tables(engine: AsyncEngine) -> None:
    assert await current_revision(engine) == head_revision()

    def diff(sync_conn: object) -> list[object]:
        return compare_metadata(MigrationContext.configure(sync_conn), metadata)  # type: ignore[arg-type]

    async with engine.connect() as conn:
        differences = await conn.run_sync(diff)
    # A table or column added without a migration shows up here.
    assert differences == []


async def test_upgrade_twice_is_harmless(engine: AsyncEngine) -> None:
    await upgrade(engine)
    await upgrade(engine)
    assert await current_revision(engine) == head_revision()


async def test_timestamps_come_back_aware_and_utc(sessions: SessionFactory) -> None:
    london_summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC).astimezone()
    async with transaction(sessions) as session:
        session.add(AuditEntry(at=london_summer, actor="U1", action="test"))
    async with sessions() as session:
        entry = (await session.exec(select(AuditEntry))).one()
    assert entry.at.tzinfo is not None
    assert entry.at == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


async def test_concurrent_read_then_write_transactions_do_not_fail(
    sessions: SessionFactory,
) -> None:
    """Sixteen writers that read first: BEGIN IMMEDIATE makes SQLite queue them, not fail."""

    async def add(i: int) -> None:
        async with transaction(sessions) as session:
            existing = (await session.exec(select(Member))).all()
            await asyncio.sleep(0)
            session.add(
                Member(
                    slack_user_id=f"U{i:08d}",
                    constituency="lived",
                    added_by="U0STAFF001",
                    added_at=START + timedelta(seconds=len(existing)),
                )
            )

    await asyncio.gather(*(add(i) for i in range(16)))
    async with sessions() as session:
        assert len((await session.exec(select(Member))).all()) == 16


async def _old_council_and_application(
    conn: AsyncConnection, number: int, code: str, *, posted: bool
) -> None:
    """Council and application `number` with only the columns every revision had."""
    await conn.execute(
        text(
            "INSERT INTO council (id, code, name, created_at) "
            "VALUES (:n, :code, 'A council', '2026-03-02 10:00:00')"
        ),
        {"n": number, "code": code},
    )
    await conn.execute(
        text(
            "INSERT INTO application (id, council_id, kind, status, current_round, "
            "registered_by, registered_at, updated_at, channel, message_ts, motion_date, "
            "motion_url, charter_date, group_names, joint_work, endorsed_by, endorsement_date, "
            "strategy_url, strategy_kind, strategy_start, strategy_end) VALUES (:n, :n, 'new', "
            "'under_review', 1, 'U0STAFF001', '2026-03-02 10:00:00', '2026-03-02 10:00:00', "
            ":channel, :ts, '2025-08-14', 'https://democracy.example.gov.uk/motion/42', "
            "'2025-10-03', 'City of Sanctuary Sheffield', 'Joint events', 'The steering group', "
            "'2026-01-31', 'https://www.example.gov.uk/strategy', 'standalone', '2026-01-01', "
            "'2031-01-01')"
        ),
        {
            "n": number,
            "channel": "C0WORKGRP1" if posted else None,
            "ts": f"1700000000.00010{number}" if posted else None,
        },
    )


async def test_upgrade_gives_earlier_votes_their_members_constituency(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    await upgrade(engine, "0001")
    sessions = make_session_factory(engine)
    # Rows as the 0001 schema had them (today's tables have columns it had not).
    async with engine.begin() as conn:
        await _old_council_and_application(conn, 1, "E08000019", posted=False)
        for statement in (
            "INSERT INTO member (id, slack_user_id, constituency, active, added_by, added_at) "
            "VALUES (1, 'U0LIVED001', 'lived', 1, 'U0STAFF001', '2026-03-02 10:00:00')",
            "INSERT INTO vote (application_id, round, member_id, choice, cast_at) "
            "VALUES (1, 1, 1, 'approve', '2026-03-02 10:00:00')",
        ):
            await conn.execute(text(statement))
    await upgrade(engine)
    async with sessions() as session:
        vote = (await session.exec(select(Vote))).one()
    await engine.dispose()
    assert vote.constituency == "lived"


async def test_upgrade_marks_open_claims_as_maybe_handed_to_slack(tmp_path: Path) -> None:
    """A claim still open when 0004 arrives may have reached Slack: its retry must look first."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    await upgrade(engine, "0003")
    async with engine.begin() as conn:
        for subject, state in ((1, "claimed"), (2, "sent"), (3, "skipped")):
            await conn.execute(
                text(
                    "INSERT INTO reminder_ledger (kind, subject_id, round, offset_days, "
                    "recipient, state, claimed_at, attempts) "
                    "VALUES ('renewal_nag', :s, 0, 30, '', :state, '2026-03-02 10:00:00', 1)"
                ),
                {"s": subject, "state": state},
            )
    await upgrade(engine)
    async with make_session_factory(engine)() as session:
        rows = (
            await session.exec(select(ReminderLedger).order_by(ReminderLedger.subject_id))
        ).all()
    await engine.dispose()
    assert [r.first_attempt_at for r in rows] == [START, None, None]


async def test_upgrade_keys_earlier_conflicts_by_their_members_slack_user(tmp_path: Path) -> None:
    """Conflicts are keyed by Slack user since staff declare them too: earlier ones keep theirs."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    await upgrade(engine, "0008")  # the revision before 0005 (revisions land out of order)
    sessions = make_session_factory(engine)
    # Rows as the 0008 schema had them (today's tables have columns it had not).
    async with engine.begin() as conn:
        await _old_council_and_application(conn, 1, "E08000019", posted=True)
        await conn.execute(
            text(
                "INSERT INTO member (id, slack_user_id, constituency, active, added_by, added_at) "
                "VALUES (7, 'U0LIVED001', 'lived', true, 'U0STAFF001', '2026-03-02 10:00:00')"
            )
        )
        # As the schema had it before: by member only.
        await conn.execute(
            text(
                "INSERT INTO conflict (application_id, member_id, reason, declared_at) "
                "VALUES (1, 7, 'I work there', '2026-03-02 10:00:00')"
            )
        )
    await upgrade(engine)
    async with sessions() as session:
        conflict = (await session.exec(select(Conflict))).one()
    await engine.dispose()
    assert (conflict.slack_user_id, conflict.member_id) == ("U0LIVED001", 7)


async def test_upgrade_asks_for_each_post_then_in_the_channel_to_stop_naming_contacts(
    tmp_path: Path,
) -> None:
    """0009: every post made by an earlier version names its contacts; each gets one
    `post.contacts_hidden` entry, which the bot acts on once (tests/e2e/test_contacts.py)."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    await upgrade(engine, "0007")  # the revision before 0009
    sessions = make_session_factory(engine)
    # Rows as the 0007 schema had them (today's tables have columns it had not).
    async with engine.begin() as conn:
        await _old_council_and_application(conn, 1, "E08000019", posted=True)
        await _old_council_and_application(conn, 2, "E08000035", posted=False)
    await upgrade(engine)
    async with sessions() as session:
        entries = (
            await session.exec(
                select(AuditEntry).where(AuditEntry.action == "post.contacts_hidden")
            )
        ).all()
    await engine.dispose()
    assert [(e.application_id, e.actor) for e in entries] == [(1, "system")]


async def test_a_burst_reuses_the_pooled_connections(
    engine: AsyncEngine, sessions: SessionFactory
) -> None:
    """Bursts of transactions open connections once, not one per transaction over the pool's
    size (on PostgreSQL each is a new server process: bench/latency.py measured 76 opened for
    200 votes in bursts of 25)."""
    opened = 0

    @event.listens_for(engine.sync_engine, "connect")
    def _opened(*_args: object) -> None:
        nonlocal opened
        opened += 1

    async def click() -> None:
        async with transaction(sessions) as session:
            await session.exec(select(Member.id))
            await asyncio.sleep(0.01)  # the others run meanwhile

    await asyncio.gather(*(click() for _ in range(25)))
    first_burst = opened
    await asyncio.gather(*(click() for _ in range(25)))
    limit = POSTGRESQL_POOL_SIZE if engine.dialect.name == "postgresql" else SQLITE_POOL_SIZE
    assert first_burst <= limit
    assert opened == first_burst  # the second burst opened none
