"""Staff's decision on a review round (DESIGN.md section 4, "Decision", "Approved").

The decision freezes the round's votes, closes the round, sets the application's status and,
for an approval, creates the membership, all in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.config import ReviewRules
from bot.domain.dates import local_date
from bot.domain.review import QuorumState, quorum
from bot.services import audit
from bot.services.applications import load_view
from bot.services.councils import find_councils
from bot.services.memberships import create_for_approval
from models.tables import (
    Application,
    ApplicationStatus,
    Council,
    Decision,
    Membership,
    Outcome,
    ReviewRound,
    VoteChoice,
)

RATIONALE_MAX = 3000
NO_QUORUM_REASON_MAX = 1000

STATUS_FOR: dict[Outcome, ApplicationStatus] = {
    Outcome.APPROVED: ApplicationStatus.APPROVED,
    Outcome.FURTHER_WORK: ApplicationStatus.FURTHER_WORK,
    Outcome.DECLINED: ApplicationStatus.DECLINED,
}
# The recommendation as the outcome a decision form starts with.
OUTCOME_FOR_CHOICE: dict[VoteChoice, Outcome] = {
    VoteChoice.APPROVE: Outcome.APPROVED,
    VoteChoice.FURTHER_WORK: Outcome.FURTHER_WORK,
    VoteChoice.DECLINE: Outcome.DECLINED,
}


class DecisionRefused(Exception):
    """The decision cannot be recorded; `field` names the form input at fault, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class DecisionResult:
    decision: Decision
    application: Application
    council: Council
    membership: Membership | None
    quorum: QuorumState


async def record_decision(
    session: AsyncSession,
    *,
    application_id: int,
    round: int | None,
    outcome: Outcome,
    rationale: str,
    without_quorum_reason: str | None,
    decided_by: str,
    now: datetime,
    rules: ReviewRules,
    timezone: ZoneInfo,
) -> DecisionResult:
    """Record the decision on the current round (or `round`, refused if no longer current)."""
    rationale = rationale.strip()
    reason = (without_quorum_reason or "").strip() or None
    application = (
        await session.exec(
            select(Application).where(Application.id == application_id).with_for_update()
        )
    ).first()
    if application is None:
        raise DecisionRefused(f"There is no application #{application_id}.")
    if round is not None and round != application.current_round:
        raise DecisionRefused(
            f"This form was for round {round}, but the application is now in round "
            f"{application.current_round}. Open the decision form again."
        )
    existing = (
        await session.exec(
            select(Decision).where(
                Decision.application_id == application_id,
                Decision.round == application.current_round,
            )
        )
    ).first()
    if existing is not None:
        raise DecisionRefused(
            f"The decision on round {existing.round} was already recorded "
            f"({existing.outcome.replace('_', ' ')}); a round is decided once."
        )
    if application.status != ApplicationStatus.UNDER_REVIEW:
        raise DecisionRefused(
            f"This application is {application.status.replace('_', ' ')}, not under review, "
            "so there is nothing to decide."
        )
    if not rationale:
        raise DecisionRefused("Please write the rationale for the decision.", field="rationale")
    if len(rationale) > RATIONALE_MAX:
        raise DecisionRefused(
            f"The rationale is limited to {RATIONALE_MAX} characters.", field="rationale"
        )
    view = await load_view(session, application_id)
    state = quorum(view.tally, rules)
    if state.met:
        reason = None
    elif reason is None:
        raise DecisionRefused(
            "Quorum is not met (" + "; ".join(state.missing) + "). Say why you are deciding "
            "without it.",
            field="no_quorum",
        )
    elif len(reason) > NO_QUORUM_REASON_MAX:
        raise DecisionRefused(
            f"The reason is limited to {NO_QUORUM_REASON_MAX} characters.", field="no_quorum"
        )
    decision = Decision(
        application_id=application_id,
        round=application.current_round,
        outcome=outcome,
        rationale=rationale,
        without_quorum_reason=reason,
        decided_by=decided_by,
        decided_at=now,
    )
    session.add(decision)
    review_round = (
        await session.exec(
            select(ReviewRound).where(
                ReviewRound.application_id == application_id,
                ReviewRound.number == application.current_round,
            )
        )
    ).first()
    if review_round is not None:
        review_round.closed_at = now
        session.add(review_round)
    application.status = STATUS_FOR[outcome]
    application.updated_at = now
    session.add(application)
    await session.flush()
    audit.record(
        session,
        at=now,
        actor=decided_by,
        action="decision.recorded",
        council_id=application.council_id,
        application_id=application_id,
        round=application.current_round,
        outcome=str(outcome),
        rationale=rationale,
        without_quorum_reason=reason,
        votes=view.tally.total,
    )
    membership = None
    if outcome == Outcome.APPROVED:
        membership = await create_for_approval(
            session,
            application,
            decided_on=local_date(now, timezone),
            now=now,
            actor=decided_by,
        )
    return DecisionResult(decision, application, view.council, membership, state)


async def open_applications_matching(
    session: AsyncSession, words: str
) -> list[tuple[Application, Council]]:
    """Applications under review whose council matches `words` (as `find_councils` matches)."""
    matched = await find_councils(session, words)
    if not matched:
        return []
    rows = (
        await session.exec(
            select(Application).where(
                col(Application.council_id).in_([c.id for c in matched]),
                Application.status == ApplicationStatus.UNDER_REVIEW,
            )
        )
    ).all()
    by_council = {a.council_id: a for a in rows}
    return [(by_council[c.id], c) for c in matched if c.id in by_council]
