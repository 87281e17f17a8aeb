from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import select

from bot.services import ledger
from models.db import SessionFactory, transaction
from models.tables import LedgerState, ReminderLedger
from tests.conftest import START

KEY = ledger.Key("renewal_nag", subject_id=7, offset_days=30)


async def test_a_reminder_is_claimed_once(sessions: SessionFactory) -> None:
    first = await ledger.claim(sessions, KEY, now=START)
    second = await ledger.claim(sessions, KEY, now=START)
    assert first is not None
    assert second is None


async def test_concurrent_claims_give_exactly_one_winner(sessions: SessionFactory) -> None:
    results = await asyncio.gather(*(ledger.claim(sessions, KEY, now=START) for _ in range(8)))
    assert len([r for r in results if r is not None]) == 1


async def test_a_stale_claim_is_retaken_after_the_lease(sessions: SessionFactory) -> None:
    claimed = await ledger.claim(sessions, KEY, now=START)
    assert await ledger.claim(sessions, KEY, now=START + timedelta(minutes=5)) is None
    retaken = await ledger.claim(sessions, KEY, now=START + timedelta(minutes=11))
    assert retaken == claimed


async def test_a_sent_reminder_is_never_retaken(sessions: SessionFactory) -> None:
    claimed = await ledger.claim(sessions, KEY, now=START)
    assert claimed is not None
    await ledger.mark_sent(sessions, claimed, START)
    assert await ledger.claim(sessions, KEY, now=START + timedelta(days=1)) is None
    async with sessions() as session:
        row = (await session.exec(select(ReminderLedger))).one()
    assert row.state == LedgerState.SENT


async def test_skipped_reminders_are_recorded_and_not_sent_later(sessions: SessionFactory) -> None:
    async with transaction(sessions) as session:
        recorded = await ledger.record_skipped_in(
            session, KEY, now=START, note="superseded by the 7-day nag"
        )
    assert recorded
    assert await ledger.claim(sessions, KEY, now=START + timedelta(days=1)) is None


async def test_a_released_claim_can_be_taken_again_at_once(sessions: SessionFactory) -> None:
    claimed = await ledger.claim(sessions, KEY, now=START)
    assert claimed is not None
    await ledger.release(sessions, claimed)
    assert await ledger.claim(sessions, KEY, now=START) is not None


async def test_a_retaken_claim_tells_when_it_was_first_handed_to_slack(
    sessions: SessionFactory,
) -> None:
    fresh = await ledger.claim_to_send(sessions, KEY, now=START)
    assert fresh is not None and fresh.first_attempt_at is None
    await ledger.mark_attempted(sessions, fresh.id, START)
    await ledger.mark_attempted(sessions, fresh.id, START + timedelta(minutes=1))  # the first stays
    retaken = await ledger.claim_to_send(sessions, KEY, now=START + timedelta(minutes=11))
    assert retaken == ledger.Claim(fresh.id, first_attempt_at=START)
