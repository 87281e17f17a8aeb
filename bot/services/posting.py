"""Which review rounds still wait for their post, and recording that Slack accepted one."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import audit
from bot.services.rounds import review_round
from models.tables import (
    Application,
    ApplicationStatus,
    Decision,
    LedgerState,
    ReminderLedger,
    ReviewRound,
)

# Ledger kinds of the messages about an application, each sent exactly once.
POST_APPLICATION = "post_application"
POST_ROUND = "post_round"
POST_DECISION = "post_decision"
POSTED_NOTICE = "posted_notice"  # "now posted" DM to whoever registered it, after a late post


async def pending_rounds(session: AsyncSession) -> list[tuple[int, int]]:
    """(application id, round number) of rounds under review that never reached the channel."""
    rows = await session.exec(
        select(ReviewRound.application_id, ReviewRound.number)
        .join(Application, col(Application.id) == col(ReviewRound.application_id))
        .where(
            col(ReviewRound.posted_at).is_(None),
            col(ReviewRound.number) == col(Application.current_round),
            Application.status == ApplicationStatus.UNDER_REVIEW,
        )
        .order_by(col(ReviewRound.application_id))
    )
    return [(int(a), int(n)) for a, n in rows.all()]


async def mark_posted(
    session: AsyncSession,
    *,
    application_id: int,
    number: int,
    channel: str,
    ts: str,
    now: datetime,
    review_days: int,
    actor: str,
) -> ReviewRound:
    """Store where the round's message is; its deadline runs from now.

    Called in the transaction that marks the post sent in the ledger (bot/sending/once.py).
    """
    application = await session.get(Application, application_id)
    assert application is not None
    if number == 1:
        application.channel = channel
        application.message_ts = ts
        session.add(application)
    posted_round = await review_round(session, application_id, number)
    assert posted_round is not None
    posted_round.posted_at = now
    posted_round.message_ts = ts
    posted_round.deadline_at = now + timedelta(days=review_days)
    session.add(posted_round)
    audit.about(session, application, at=now, actor=actor).record(
        "application.posted",
        round=number,
        channel=channel,
        ts=ts,
        deadline=posted_round.deadline_at,
    )
    await session.flush()
    return posted_round


async def pending_decision_announcements(session: AsyncSession) -> list[tuple[int, int]]:
    """(application id, round) of decisions whose announcement never reached the thread."""
    announced = select(ReminderLedger.id).where(
        ReminderLedger.kind == POST_DECISION,
        ReminderLedger.subject_id == Decision.application_id,
        ReminderLedger.round == Decision.round,
        ReminderLedger.state == LedgerState.SENT,
    )
    rows = await session.exec(
        select(Decision.application_id, Decision.round)
        .join(Application, col(Application.id) == col(Decision.application_id))
        .where(col(Application.message_ts).is_not(None), ~announced.exists())
        .order_by(col(Decision.application_id), col(Decision.round))
    )
    return [(int(a), int(r)) for a, r in rows.all()]
