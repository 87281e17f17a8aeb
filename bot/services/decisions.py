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
    Conflict,
    Council,
    Decision,
    LedgerState,
    Membership,
    Outcome,
    ReminderLedger,
    VoteChoice,
)

RATIONALE_MAX = 3000
# Ledger kind of the post's re-render after an amendment (one per revision).
POST_AMENDED = "post_amended"
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
    await _require_unconflicted(session, view.application, view.council.name, actor)
    return replace(view, ballots=await named_ballots(session, view.application))


async def _require_unconflicted(
    session: AsyncSession, application: Application, council: str, actor: str
) -> None:
    """Staff who declared a conflict on the application may not decide it (another may)."""
    assert application.id is not None
    conflicted = (
        await session.exec(
            select(Conflict.id).where(
                Conflict.application_id == application.id, Conflict.slack_user_id == actor
            )
        )
    ).first()
    if conflicted is not None:
        raise Refused(Refusal.CONFLICTED_DECIDER, council=council)


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
    await _require_unconflicted(session, application, view.council.name, decided_by)
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


@dataclass(frozen=True)
class Amendment:
    decision: Decision
    council: Council
    previous: str


async def amend_rationale(
    session: AsyncSession,
    *,
    application_id: int,
    rationale: str,
    reason: str,
    actor: str,
    staff: Collection[str],
    now: datetime,
) -> Amendment:
    """Replace the rationale of the application's latest decision (staff), with the reason for
    the correction; both texts stay in the audit log."""
    require_staff(actor, staff, Task.AMEND)
    rationale, reason = rationale.strip(), reason.strip()
    application = await locked_application(session, application_id)
    council = await session.get(Council, application.council_id)
    assert council is not None
    decision = (
        await session.exec(
            select(Decision)
            .where(Decision.application_id == application_id)
            .order_by(col(Decision.round).desc())
        )
    ).first()
    if decision is None:
        raise Refused(Refusal.NOT_DECIDED, council=council.name)
    await _require_unconflicted(session, application, council.name, actor)
    if not rationale or len(rationale) > RATIONALE_MAX:
        raise Refused(Refusal.BAD_REASON, field="rationale", limit=RATIONALE_MAX)
    if not reason or len(reason) > NO_QUORUM_REASON_MAX:
        raise Refused(Refusal.BAD_REASON, field="reason", limit=NO_QUORUM_REASON_MAX)
    previous = decision.rationale
    decision.rationale = rationale
    decision.revision += 1
    decision.amended_by = actor
    decision.amended_at = now
    session.add(decision)
    audit.about(session, application, at=now, actor=actor).record(
        "decision.amended",
        round=decision.round,
        reason=reason,
        rationale=rationale,
        previous_rationale=previous,
    )
    await session.flush()
    return Amendment(decision, council, previous)


async def decided_applications_matching(
    session: AsyncSession, words: str
) -> list[tuple[Application, Council]]:
    """For each council matching `words`, its latest application that has a decision."""
    matched = await find_councils(session, words)
    if not matched:
        return []
    decided = select(Decision.application_id)
    rows = (
        await session.exec(
            select(Application)
            .where(
                col(Application.council_id).in_([c.id for c in matched]),
                col(Application.id).in_(decided),
            )
            .order_by(col(Application.id).desc())
        )
    ).all()
    latest: dict[int, Application] = {}
    for application in rows:
        latest.setdefault(application.council_id, application)
    return [(latest[c.id], c) for c in matched if c.id in latest]


async def amend_form(
    session: AsyncSession, application_id: int, *, actor: str, staff: Collection[str]
) -> tuple[Council, Decision]:
    """The council and latest decision whose rationale `actor` may amend; Refused otherwise."""
    require_staff(actor, staff, Task.AMEND)
    view = await load_view(session, application_id)
    if not view.decisions:
        raise Refused(Refusal.NOT_DECIDED, council=view.council.name)
    await _require_unconflicted(session, view.application, view.council.name, actor)
    return view.council, view.decisions[-1]


async def pending_amendment_renders(session: AsyncSession) -> list[Decision]:
    """Amended decisions whose post has not yet shown the amendment (Slack refused then)."""
    shown = select(ReminderLedger.id).where(
        ReminderLedger.kind == POST_AMENDED,
        ReminderLedger.subject_id == Decision.id,
        ReminderLedger.round == Decision.revision,
        ReminderLedger.state == LedgerState.SENT,
    )
    rows = await session.exec(select(Decision).where(col(Decision.revision) > 0, ~shown.exists()))
    return list(rows.all())


@dataclass(frozen=True)
class Amendable:
    """A decision `amend <council>` may open: the application, its council's name, the decision."""

    application_id: int
    council: str
    decision: Decision


async def amendable(
    session: AsyncSession, words: str, *, actor: str, staff: Collection[str]
) -> Amendable | list[str]:
    """The decision the words name, if exactly one council's; else the names of those matching
    (none, or several). Refused if `actor` may not amend it."""
    matches = await decided_applications_matching(session, words)
    if len(matches) != 1:
        return [c.name for _, c in matches]
    application, _ = matches[0]
    assert application.id is not None
    council, decision = await amend_form(session, application.id, actor=actor, staff=staff)
    return Amendable(application.id, council.name, decision)
