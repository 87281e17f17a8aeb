"""Review reminders (DESIGN.md section 4, "Deadline"): which rounds are open, who is reminded,
which reminder is due, and recording one as sent. No Slack objects here; the scan that sends
them is `scheduler.review`.

Who is reminded: active members who have not voted in the round and are not recused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import audit
from models.tables import Application, ApplicationStatus, Conflict, Member, ReviewRound, Vote

# Ledger kinds.
VOTE_REMINDER = "vote_reminder"
QUORUM_WARNING = "quorum_warning"


@dataclass(frozen=True)
class OpenRound:
    """A posted round still open for votes, and where its thread is."""

    application_id: int
    council_id: int
    round: int
    deadline: datetime
    channel: str
    thread_ts: str


def most_urgent_due(offsets: tuple[int, ...], deadline: datetime, now: datetime) -> int | None:
    """The smallest offset (days before the deadline) whose moment has come, if any."""
    due = [o for o in offsets if now >= deadline - timedelta(days=o)]
    return min(due) if due else None


async def open_rounds(session: AsyncSession, now: datetime) -> list[OpenRound]:
    """Current rounds under review, posted, whose deadline is still ahead of `now`."""
    rows = (
        await session.exec(
            select(Application, ReviewRound)
            .join(
                ReviewRound,
                (col(ReviewRound.application_id) == col(Application.id))
                & (col(ReviewRound.number) == col(Application.current_round)),
            )
            .where(
                Application.status == ApplicationStatus.UNDER_REVIEW,
                col(ReviewRound.closed_at).is_(None),
                col(ReviewRound.deadline_at).is_not(None),
                col(ReviewRound.deadline_at) > now,
                col(Application.message_ts).is_not(None),
            )
        )
    ).all()
    return [
        OpenRound(
            application_id=a.id,  # type: ignore[arg-type]
            council_id=a.council_id,
            round=r.number,
            deadline=r.deadline_at,  # type: ignore[arg-type]
            channel=a.channel or "",
            thread_ts=a.message_ts or "",
        )
        for a, r in rows
    ]


async def waiting_members(session: AsyncSession, open_round: OpenRound) -> list[str]:
    """Slack user ids of those to remind: active, not voted in the round, not recused."""
    voted = select(Vote.member_id).where(
        Vote.application_id == open_round.application_id, Vote.round == open_round.round
    )
    recused = select(Conflict.slack_user_id).where(
        Conflict.application_id == open_round.application_id
    )
    rows = (
        await session.exec(
            select(Member.slack_user_id)
            .where(
                col(Member.active).is_(True),
                col(Member.id).not_in(voted),
                col(Member.slack_user_id).not_in(recused),
            )
            .order_by(col(Member.added_at))
        )
    ).all()
    return list(rows)


def record_sent(
    session: AsyncSession, open_round: OpenRound, action: str, now: datetime, **detail: Any
) -> None:
    """Audit a reminder as sent (in the transaction that marks it sent in the ledger)."""
    trail = audit.Trail(
        session,
        at=now,
        actor="system",
        council_id=open_round.council_id,
        application_id=open_round.application_id,
    )
    trail.record(action, round=open_round.round, **detail)
