"""Votes and conflicts of interest (DESIGN.md section 4): one current vote per member per round.

Every rule of who may vote lives here; listeners only translate the refusals into words.
The vote row is upserted under its unique key, and the application row is locked first
(PostgreSQL; SQLite transactions are serialised by BEGIN IMMEDIATE), so concurrent clicks
and a concurrent decision never lose, double or slip past a vote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import col, delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.escape import parse_id
from bot.domain.review import CHOICE_LABELS
from bot.services import audit
from bot.services.roster import active_member
from models.dialect import insert_for
from models.tables import (
    Application,
    ApplicationStatus,
    Conflict,
    Decision,
    Member,
    ReviewRound,
    Vote,
    VoteChange,
    VoteChoice,
)

CONFLICT_REASON_MAX = 500


class Refusal(StrEnum):
    NOT_FOUND = "not_found"
    NOT_MEMBER = "not_member"
    RECUSED = "recused"
    OLD_ROUND = "old_round"
    DECIDED = "decided"
    NOT_OPEN = "not_open"
    ALREADY_DECLARED = "already_declared"
    BAD_REASON = "bad_reason"


REFUSAL_TEXT: dict[Refusal, str] = {
    Refusal.NOT_FOUND: "I can't find that application any more.",
    Refusal.NOT_MEMBER: (
        "Sorry, only members of the working group can vote. If you should be on the roster, "
        "ask a member of staff to add you with `/sanctuary group add`."
    ),
    Refusal.RECUSED: (
        "You declared a conflict of interest on this application, so you can't vote on it."
    ),
    Refusal.OLD_ROUND: (
        "That button belongs to an earlier round of this review. Please vote on the current "
        "round in the updated post."
    ),
    Refusal.DECIDED: "The decision on this round has been recorded, so the votes are final.",
    Refusal.NOT_OPEN: "This application is not under review, so there is nothing to vote on.",
    Refusal.ALREADY_DECLARED: "You have already declared a conflict on this application.",
    Refusal.BAD_REASON: f"Please give a reason (up to {CONFLICT_REASON_MAX} characters).",
}


class VoteRefused(Exception):
    """The click (or declaration) is refused; `reason` says why, `message` in words."""

    def __init__(self, reason: Refusal) -> None:
        super().__init__(REFUSAL_TEXT[reason])
        self.reason = reason
        self.message = REFUSAL_TEXT[reason]


@dataclass(frozen=True)
class VoteResult:
    application_id: int
    council_id: int
    round: int
    choice: VoteChoice
    previous: VoteChoice | None

    @property
    def unchanged(self) -> bool:
        return self.previous == self.choice

    def confirmation(self) -> str:
        label = CHOICE_LABELS[self.choice]
        if self.unchanged:
            return f"Your vote is already *{label}* (round {self.round}). No change."
        if self.previous is not None:
            return (
                f"Vote changed from *{CHOICE_LABELS[self.previous]}* to *{label}* "
                f"(round {self.round}). You can change it until the decision."
            )
        return (
            f"Vote recorded: *{label}* (round {self.round}). You can change it until the decision."
        )


def parse_button_value(value: str) -> tuple[int, int] | None:
    """`<application id>:<round>` from a review button; None if malformed."""
    app_part, _, round_part = value.partition(":")
    application_id, round = parse_id(app_part), parse_id(round_part)
    if application_id is None or round is None:
        return None
    return application_id, round


async def _locked_application(
    session: AsyncSession, application_id: int, *, shared: bool = False
) -> Application:
    """The application, locked against a decision being recorded meanwhile.

    Votes take the lock shared, so that members vote concurrently; the decision takes it
    exclusively (bot/services/decisions.py) and so waits for the votes in progress, and they
    for it. SQLite has no row locks: there every transaction holds the write lock anyway.
    """
    application = (
        await session.exec(
            select(Application).where(Application.id == application_id).with_for_update(read=shared)
        )
    ).first()
    if application is None:
        raise VoteRefused(Refusal.NOT_FOUND)
    return application


async def is_recused(session: AsyncSession, application_id: int, member_id: int) -> bool:
    row = (
        await session.exec(
            select(Conflict.id).where(
                Conflict.application_id == application_id, Conflict.member_id == member_id
            )
        )
    ).first()
    return row is not None


async def _round_is_decided(session: AsyncSession, application: Application) -> bool:
    decision = (
        await session.exec(
            select(Decision.id).where(
                Decision.application_id == application.id,
                Decision.round == application.current_round,
            )
        )
    ).first()
    if decision is not None:
        return True
    closed = (
        await session.exec(
            select(ReviewRound.closed_at).where(
                ReviewRound.application_id == application.id,
                ReviewRound.number == application.current_round,
            )
        )
    ).first()
    return closed is not None


async def record_vote(
    session: AsyncSession,
    *,
    application_id: int,
    round: int,
    voter: str,
    choice: VoteChoice,
    now: datetime,
) -> VoteResult:
    """Record or change `voter`'s vote; VoteRefused with the reason when they may not."""
    application = await _locked_application(session, application_id, shared=True)
    member = await active_member(session, voter)
    if member is None or member.id is None:
        raise VoteRefused(Refusal.NOT_MEMBER)
    if session.get_bind().dialect.name == "postgresql":
        # One member's clicks one at a time, so that the history says truly what each changed.
        await session.exec(select(func.pg_advisory_xact_lock(application_id, member.id)))
    if round != application.current_round:
        raise VoteRefused(Refusal.OLD_ROUND)
    if await _round_is_decided(session, application) or application.status in (
        ApplicationStatus.APPROVED,
        ApplicationStatus.DECLINED,
    ):
        raise VoteRefused(Refusal.DECIDED)
    if application.status != ApplicationStatus.UNDER_REVIEW:
        raise VoteRefused(Refusal.NOT_OPEN)
    if await is_recused(session, application_id, member.id):
        raise VoteRefused(Refusal.RECUSED)
    key = {"application_id": application_id, "round": round, "member_id": member.id}
    previous_raw = (
        await session.exec(
            select(Vote.choice).where(*(getattr(Vote, k) == v for k, v in key.items()))
        )
    ).first()
    previous = VoteChoice(previous_raw) if previous_raw is not None else None
    result = VoteResult(application_id, application.council_id, round, choice, previous)
    if result.unchanged:
        return result
    cast = {"choice": choice, "cast_at": now, "constituency": member.constituency}
    statement = insert_for(session, Vote).values(**key, **cast)
    await session.exec(statement.on_conflict_do_update(index_elements=list(key), set_=cast))
    session.add(
        VoteChange(
            application_id=application_id, round=round, member_id=member.id, choice=choice, at=now
        )
    )
    audit.record(
        session,
        at=now,
        actor=voter,
        action="vote.changed" if previous is not None else "vote.cast",
        council_id=application.council_id,
        application_id=application_id,
        round=round,
        choice=str(choice),
        previous=str(previous) if previous is not None else None,
        constituency=member.constituency,
    )
    return result


@dataclass(frozen=True)
class ConflictResult:
    application_id: int
    withdrawn: VoteChoice | None


async def declare_conflict(
    session: AsyncSession,
    *,
    application_id: int,
    member_user_id: str,
    reason: str,
    now: datetime,
) -> ConflictResult:
    """Recuse a member from an application; their vote in the current round is withdrawn."""
    reason = reason.strip()
    if not reason or len(reason) > CONFLICT_REASON_MAX:
        raise VoteRefused(Refusal.BAD_REASON)
    application = await _locked_application(session, application_id)
    member = await active_member(session, member_user_id)
    if member is None or member.id is None:
        raise VoteRefused(Refusal.NOT_MEMBER)
    if not ApplicationStatus(application.status).is_open:
        raise VoteRefused(Refusal.NOT_OPEN)
    if await is_recused(session, application_id, member.id):
        raise VoteRefused(Refusal.ALREADY_DECLARED)
    session.add(
        Conflict(application_id=application_id, member_id=member.id, reason=reason, declared_at=now)
    )
    audit.record(
        session,
        at=now,
        actor=member_user_id,
        action="conflict.declared",
        council_id=application.council_id,
        application_id=application_id,
        reason=reason,
        constituency=member.constituency,
    )
    withdrawn: VoteChoice | None = None
    decided = await _round_is_decided(session, application)
    if not decided:
        current = (
            await session.exec(
                select(Vote).where(
                    Vote.application_id == application_id,
                    Vote.round == application.current_round,
                    Vote.member_id == member.id,
                )
            )
        ).first()
        if current is not None:
            withdrawn = VoteChoice(current.choice)
            await session.exec(delete(Vote).where(col(Vote.id) == current.id))
            session.add(
                VoteChange(
                    application_id=application_id,
                    round=application.current_round,
                    member_id=member.id,
                    choice=None,
                    at=now,
                )
            )
            audit.record(
                session,
                at=now,
                actor=member_user_id,
                action="vote.withdrawn",
                council_id=application.council_id,
                application_id=application_id,
                round=application.current_round,
                previous=str(withdrawn),
                because="conflict declared",
            )
    return ConflictResult(application_id, withdrawn)


async def recusals(session: AsyncSession, application_id: int) -> list[tuple[Member, Conflict]]:
    """Who is recused from the application and why, oldest first."""
    rows = (
        await session.exec(
            select(Member, Conflict)
            .join(Conflict, col(Conflict.member_id) == col(Member.id))
            .where(Conflict.application_id == application_id)
            .order_by(col(Conflict.declared_at))
        )
    ).all()
    return [(m, c) for m, c in rows]
