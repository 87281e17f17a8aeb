from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from models.db import SessionFactory, transaction
from models.tables import ProcessedEvent
from scheduler.housekeeping import forget_event_ids_before
from scheduler.jobs import JOBS
from tests.conftest import START


async def test_old_event_ids_are_forgotten_recent_ones_kept(sessions: SessionFactory) -> None:
    async with transaction(sessions) as session:
        session.add(ProcessedEvent(event_id="Ev0LD", received_at=START - timedelta(days=8)))
        session.add(ProcessedEvent(event_id="EvRECENT", received_at=START - timedelta(hours=1)))
    assert await forget_event_ids_before(sessions, START) == 1
    async with sessions() as session:
        kept = (await session.exec(select(ProcessedEvent.event_id))).all()
    assert kept == ["EvRECENT"]
    assert "forget-old-event-ids" in {job.id for job in JOBS}
