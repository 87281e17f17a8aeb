"""Staff's decision on a review round (DESIGN.md section 4, "Decision", "Approved").

The decision freezes the round's votes, closes the round, sets the application's status and,
for an approval, creates the membership, all in one transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.config import ReviewRules
from bot.domain.dates import local_date
from bot.domain.evidence import evidence_warnings
from bot.domain.refusals import Refusal, Refused, Task, require_staff
from bot.domain.review import QuorumState, quorum, require_undecided_round
from bot.services import audit
from bot.services.applications import (
    ApplicationView,
    load_view,
    locked_application,
    named_ballots,
)
from bot.services.councils import find_councils
from bot.services.memberships import create_for_approval
from bot.services.rounds import close_current_round, current_decision
from models.tables import (
    Application,
    ApplicationStatus,
    Council,
    Decision,
    Membership,
    Outcome,
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


@dataclass(frozen=True)
class DecisionResult:
    decision: Decision
    application: Application
    council: Council
    membership: Membership | None
    quorum: QuorumState


async def decision_form(
    session: AsyncSession,
    application_id: int,
    round: int | None,
    *,
    actor: str,
    staff: Collection[str],
) -> ApplicationView:
    """The application whose current round `actor` may decide now; Refused otherwise."""
    require_staff(actor, staff, Task.DECIDE)
    view = await load_view(session, application_id)
    require_undecided_round(view.application, view.decision, round)
    return replace(view, ballots=await named_ballots(session, view.application))


async def record_decision(
    session: AsyncSession,
    *,
    application_id: int,
    round: int | None,
    outcome: Outcome | None,
    rationale: str,
    without_quorum_reason: str | None,
    decided_by: str,
    staff: Collection[str],
    now: datetime,
    rules: ReviewRules,
    timezone: ZoneInfo,
) -> DecisionResult:
    """Record the decision on the current round (or `round`, refused if no longer current)."""
    require_staff(decided_by, staff, Task.DECIDE)
    if outcome is None:
        raise Refused(Refusal.NO_OUTCOME, field="outcome")
    rationale = rationale.strip()
    reason = (without_quorum_reason or "").strip() or None
    application = await locked_application(session, application_id)
    require_undecided_round(application, await current_decision(session, application), round)
    if not rationale or len(rationale) > RATIONALE_MAX:
        raise Refused(Refusal.BAD_REASON, field="rationale", limit=RATIONALE_MAX)
    view = await load_view(session, application_id)
    state = quorum(view.tally, rules)
    if state.met:
        reason = None
    elif reason is None:
        raise Refused(Refusal.NO_QUORUM, field="no_quorum", missing=state.missing)
    elif len(reason) > NO_QUORUM_REASON_MAX:
        raise Refused(Refusal.BAD_REASON, field="no_quorum", limit=NO_QUORUM_REASON_MAX)
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
    await close_current_round(session, application, now)
    application.status = STATUS_FOR[outcome]
    application.updated_at = now
    session.add(application)
    await session.flush()
    audit.about(session, application, at=now, actor=decided_by).record(
        "decision.recorded",
        round=application.current_round,
        outcome=str(outcome),
        rationale=rationale,
        without_quorum_reason=reason,
        votes=view.tally.total,
        # What the decision form warned about (checked again as of the decision's day).
        warnings=evidence_warnings(
            application,
            on=local_date(now, timezone),
            renewing=view.renewing,
            endorsement_max_age_months=rules.endorsement_max_age_months,
        )
        or None,
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
