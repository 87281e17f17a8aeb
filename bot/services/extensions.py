"""Staff reopen or prolong a round's voting until a new deadline (`/sanctuary extend`,
DESIGN.md section 4, "Deadline"). Each extension is a row: its reminders and the round's
closing at its deadline are keyed by it, so that each goes once per extension.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.refusals import Refusal, Refused, Task, require_staff
from bot.domain.review import require_undecided_round, voting_closed
from bot.services import audit
from bot.services.applications import locked_application
from bot.services.rounds import current_decision, current_round
from models.tables import Council, RoundExtension

EXTEND_DAYS_MAX = 60
EXTEND_REASON_MAX = 500


@dataclass(frozen=True)
class ExtensionResult:
    application_id: int
    council: str
    round: int
    days: int
    deadline: datetime
    reopened: bool  # voting had closed at the old deadline


async def extend_round(
    session: AsyncSession,
    *,
    application_id: int,
    days: int | None,
    reason: str,
    actor: str,
    staff: Collection[str],
    now: datetime,
) -> ExtensionResult:
    """Move the current round's deadline `days` later (from now, if it has passed); audited."""
    require_staff(actor, staff, Task.EXTEND)
    if days is None or not 1 <= days <= EXTEND_DAYS_MAX:
        raise Refused(Refusal.BAD_DAYS, field="days", limit=EXTEND_DAYS_MAX)
    reason = reason.strip()
    if not reason or len(reason) > EXTEND_REASON_MAX:
        raise Refused(Refusal.BAD_REASON, field="reason", limit=EXTEND_REASON_MAX)
    application = await locked_application(session, application_id)
    require_undecided_round(application, await current_decision(session, application), None)
    review_round = await current_round(session, application)
    if review_round is None or review_round.deadline_at is None:
        raise Refused(Refusal.NOT_POSTED, application=application_id)
    previous = review_round.deadline_at
    reopened = voting_closed(review_round, now)
    deadline = max(now, previous) + timedelta(days=days)
    earlier = (
        await session.exec(
            select(func.count()).where(
                RoundExtension.application_id == application_id,
                RoundExtension.round == review_round.number,
            )
        )
    ).one()
    number = int(earlier) + 1
    session.add(
        RoundExtension(
            application_id=application_id,
            round=review_round.number,
            number=number,
            days=days,
            reason=reason,
            previous_deadline=previous,
            deadline=deadline,
            extended_by=actor,
            extended_at=now,
        )
    )
    review_round.deadline_at = deadline
    session.add(review_round)
    council = await session.get(Council, application.council_id)
    assert council is not None
    audit.about(session, application, at=now, actor=actor).record(
        "round.extended",
        round=review_round.number,
        extension=number,
        days=days,
        reason=reason,
        previous_deadline=previous.isoformat(),
        deadline=deadline.isoformat(),
        reopened=reopened,
    )
    return ExtensionResult(
        application_id, council.name, review_round.number, days, deadline, reopened
    )


async def latest_extensions(
    session: AsyncSession, rounds: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], RoundExtension]:
    """The latest extension of each (application id, round) that has one."""
    wanted = set(rounds)
    if not wanted:
        return {}
    rows = (
        await session.exec(
            select(RoundExtension)
            .where(col(RoundExtension.application_id).in_({a for a, _ in wanted}))
            .order_by(col(RoundExtension.number))
        )
    ).all()
    return {(r.application_id, r.round): r for r in rows if (r.application_id, r.round) in wanted}
