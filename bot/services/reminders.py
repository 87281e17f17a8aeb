"""Review reminders (DESIGN.md section 4, "Deadline"): which rounds are open, who is reminded,
which reminder is due, and recording one as sent. No Slack objects here; the scan that sends
them is `scheduler.review`.

Who is reminded: active members who have not voted in the round and are not recused; after an
extension, only those in the constituencies quorum still lacks (every non-voter when it lacks
only a number of votes). At the deadline voting stops: the post is re-rendered and each member
of staff is told the round is ready to decide, once per deadline (the original, or each
extension's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import audit
from bot.services.extensions import latest_extensions
from bot.services.ledger import Key
from models.tables import Application, ApplicationStatus, Conflict, Member, ReviewRound, Vote

# Ledger kinds.
VOTE_REMINDER = "vote_reminder"
QUORUM_WARNING = "quorum_warning"
# After an extension: its reminders; their key's subject is the extension.
EXTENSION_REMINDER = "extension_reminder"
# At a deadline: the post re-rendered without its vote buttons, and each member of staff told.
VOTING_CLOSED = "voting_closed"
READY_TO_DECIDE = "ready_to_decide"
# The kinds above keyed by an extension rather than by the application (suffix).
_AFTER_EXTENSION = "_extended"


@dataclass(frozen=True)
class OpenRound:
    """A posted round still open for votes, and where its thread is."""

    application_id: int
    council_id: int
    round: int
    deadline: datetime
    channel: str
    thread_ts: str
    extension_id: int | None = None  # the latest extension, whose deadline this is


def deadline_key(kind: str, open_round: OpenRound, *, recipient: str = "") -> Key:
    """The ledger key of a message about the round's deadline: one per deadline, so about the
    round for its first deadline and about the extension for each later one."""
    if open_round.extension_id is None:
        return Key(
            kind, subject_id=open_round.application_id, round=open_round.round, recipient=recipient
        )
    return Key(
        kind + _AFTER_EXTENSION,
        subject_id=open_round.extension_id,
        round=open_round.round,
        recipient=recipient,
    )


def most_urgent_due(offsets: tuple[int, ...], deadline: datetime, now: datetime) -> int | None:
    """The smallest offset (days before the deadline) whose moment has come, if any."""
    due = [o for o in offsets if now >= deadline - timedelta(days=o)]
    return min(due) if due else None


async def open_rounds(session: AsyncSession, now: datetime) -> list[OpenRound]:
    """Current rounds under review, posted, whose deadline is still ahead of `now`."""
    return await _rounds(session, col(ReviewRound.deadline_at) > now)


async def rounds_past_deadline(session: AsyncSession, now: datetime) -> list[OpenRound]:
    """Current rounds under review, posted, undecided, whose deadline has come: voting stopped."""
    return await _rounds(session, col(ReviewRound.deadline_at) <= now)


async def _rounds(session: AsyncSession, deadline: Any) -> list[OpenRound]:
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
                deadline,
                col(Application.message_ts).is_not(None),
            )
            .order_by(col(ReviewRound.deadline_at), col(Application.id))
        )
    ).all()
    extensions = await latest_extensions(session, [(a.id or 0, r.number) for a, r in rows])
    extension_ids = {key: extension.id for key, extension in extensions.items()}
    return [
        OpenRound(
            application_id=a.id,  # type: ignore[arg-type]
            council_id=a.council_id,
            round=r.number,
            deadline=r.deadline_at,  # type: ignore[arg-type]
            channel=a.channel or "",
            thread_ts=a.message_ts or "",
            extension_id=extension_ids.get((a.id, r.number)),  # type: ignore[arg-type]
        )
        for a, r in rows
    ]


async def waiting_members(
    session: AsyncSession, open_round: OpenRound, constituencies: frozenset[str] = frozenset()
) -> list[str]:
    """Slack user ids of those to remind: active, not voted in the round, not recused (nor the
    application's endorser); only from `constituencies`, when given."""
    voted = select(Vote.member_id).where(
        Vote.application_id == open_round.application_id, Vote.round == open_round.round
    )
    recused = select(Conflict.slack_user_id).where(
        Conflict.application_id == open_round.application_id
    )
    # The endorser is recused even when added to the roster after the application was registered.
    endorser = select(Application.endorser_user_id).where(
        Application.id == open_round.application_id,
        col(Application.endorser_user_id).is_not(None),
    )
    rows = (
        await session.exec(
            select(Member.slack_user_id)
            .where(
                col(Member.active).is_(True),
                col(Member.id).not_in(voted),
                col(Member.slack_user_id).not_in(recused),
                col(Member.slack_user_id).not_in(endorser),
                col(Member.constituency).in_(constituencies) if constituencies else true(),
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
