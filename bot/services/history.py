"""A council's timeline from the audit log (`/sanctuary history`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.config import ReviewRules
from bot.domain.review import choices_hidden
from models.tables import Application, AuditEntry, ReviewRound


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    actor: str
    action: str
    application_id: int | None
    detail: dict[str, Any]


def _detail(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


async def council_history(session: AsyncSession, council_id: int) -> list[HistoryItem]:
    """Every audit entry about the council or its applications, oldest first (one query)."""
    applications = select(Application.id).where(Application.council_id == council_id)
    entries = (
        await session.exec(
            select(AuditEntry)
            .where(
                or_(
                    col(AuditEntry.council_id) == council_id,
                    col(AuditEntry.application_id).in_(applications),
                )
            )
            .order_by(col(AuditEntry.at), col(AuditEntry.id))
        )
    ).all()
    return [
        HistoryItem(e.at, e.actor, e.action, e.application_id, _detail(e.detail)) for e in entries
    ]


async def rounds_voting_blind(
    session: AsyncSession, council_id: int, rules: ReviewRules, now: datetime
) -> frozenset[tuple[int, int]]:
    """(application id, round) of the council's rounds whose votes the blind tally still hides:
    the history then says who voted, not how."""
    if not rules.blind_tally:
        return frozenset()
    rounds = (
        await session.exec(
            select(ReviewRound)
            .join(Application, col(Application.id) == col(ReviewRound.application_id))
            .where(Application.council_id == council_id)
        )
    ).all()
    return frozenset((r.application_id, r.number) for r in rounds if choices_hidden(rules, r, now))
