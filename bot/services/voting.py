"""Votes and conflicts of interest (DESIGN.md section 4): one current vote per member per round.

Every rule of who may vote lives here; listeners only translate the refusals into words.
The vote row is upserted under its unique key, and the application row is locked first
(PostgreSQL; SQLite transactions are serialised by BEGIN IMMEDIATE), so concurrent clicks
and a concurrent decision never lose, double or slip past a vote.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlmodel import col, delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.refusals import Refusal, Refused, Task
from bot.domain.review import require_open, require_undecided_round, require_voting_open
from bot.services import audit
from bot.services.applications import ApplicationView, load_view, locked_application
from bot.services.connections import (
    CONFLICT,
    NO_CONFLICT,
    connection_to,
    has_standing_connection,
    record_answer,
    require_answered,
)
from bot.services.councils import council_then_reason
from bot.services.roster import active_member
from bot.services.rounds import current_decision
from models.dialect import insert_for
from models.tables import (
    Application,
    ApplicationStatus,
    Conflict,
    ConnectionAnswer,
    Council,
    Decision,
    Member,
    ReviewRound,
    Vote,
    VoteChange,
    VoteChoice,
)

CONFLICT_REASON_MAX = 500


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


def _declared(application_id: int, user_id: str) -> ColumnElement[bool]:
    """Which `Conflict` row is `user_id`'s (a member's, or staff's) on the application."""
    return (col(Conflict.application_id) == application_id) & (
        col(Conflict.slack_user_id) == user_id
    )


async def conflict_of(session: AsyncSession, application_id: int, user_id: str) -> Conflict | None:
    """The conflict `user_id` (a member, or staff) declared on the application, if any."""
    return (await session.exec(select(Conflict).where(_declared(application_id, user_id)))).first()


async def is_recused(session: AsyncSession, application_id: int, user_id: str) -> bool:
    return await conflict_of(session, application_id, user_id) is not None


async def record_vote(
    session: AsyncSession,
    *,
    application_id: int,
    round: int,
    voter: str,
    choice: VoteChoice,
    now: datetime,
) -> VoteResult:
    """Record or change `voter`'s vote; Refused with the reason when they may not.

    A burst of votes is the bot's busiest path, and each statement is work on the one event
    loop (bench/latency.py): what a vote checks is read in three queries, not seven.
    """
    application = await locked_application(session, application_id, shared=True)
    member, review_round, decision = await _voter_and_round(session, application, voter)
    if member is None or member.id is None:
        raise Refused(Refusal.NOT_MEMBER, task=Task.VOTE)
    if session.get_bind().dialect.name == "postgresql":
        # One member's clicks one at a time, so that the history says truly what each changed.
        await session.exec(select(func.pg_advisory_xact_lock(application_id, member.id)))
    require_undecided_round(application, decision, round)
    require_voting_open(review_round, now)
    if application.endorser_user_id == voter:
        raise Refused(Refusal.ENDORSER_RECUSED)
    recused, connected, previous = await _voters_standing(session, application_id, round, member)
    if recused:
        raise Refused(Refusal.RECUSED)
    if connected:
        await require_answered(session, application, voter)
    result = VoteResult(application_id, application.council_id, round, choice, previous)
    if result.unchanged:
        return result
    key = {"application_id": application_id, "round": round, "member_id": member.id}
    cast = {"choice": choice, "cast_at": now, "constituency": member.constituency}
    statement = insert_for(session, Vote).values(**key, **cast)
    await session.exec(statement.on_conflict_do_update(index_elements=list(key), set_=cast))
    _keep_change(session, application, member, choice, previous, now)
    return result


async def _voter_and_round(
    session: AsyncSession, application: Application, voter: str
) -> tuple[Member | None, ReviewRound | None, Decision | None]:
    """The active member `voter` (None if not on the roster), with the application's current
    round and the decision on it, if any."""
    current = application.current_round
    found = (
        await session.exec(
            select(Member, ReviewRound, Decision)
            .select_from(Member)
            .outerjoin(
                ReviewRound,
                (col(ReviewRound.application_id) == application.id)
                & (col(ReviewRound.number) == current),
            )
            .outerjoin(
                Decision,
                (col(Decision.application_id) == application.id) & (col(Decision.round) == current),
            )
            .where(Member.slack_user_id == voter, col(Member.active).is_(True))
        )
    ).first()
    return (None, None, None) if found is None else found


async def _voters_standing(
    session: AsyncSession, application_id: int, round: int, member: Member
) -> tuple[bool, bool, VoteChoice | None]:
    """Whether the member declared a conflict on the application, whether they have a standing
    connection to anything (the rare case `require_answered` looks into), and their vote in the
    round so far."""
    recused = select(Conflict.id).where(_declared(application_id, member.slack_user_id))
    previous = select(Vote.choice).where(
        Vote.application_id == application_id, Vote.round == round, Vote.member_id == member.id
    )
    standing = select(
        recused.exists(),
        has_standing_connection(member.slack_user_id),
        previous.scalar_subquery(),
    )
    is_recused, is_connected, choice = (await session.exec(standing)).one()
    return bool(is_recused), bool(is_connected), VoteChoice(choice) if choice else None


async def _may_declare(
    session: AsyncSession, application: Application, user_id: str, staff: Collection[str]
) -> Member | None:
    """The member declaring a conflict on the application (None for staff not on the roster,
    who may declare conflicts too); Refused if they may not."""
    member = await active_member(session, user_id)
    if member is None and user_id not in staff:
        raise Refused(Refusal.NOT_MEMBER, task=Task.DECLARE_CONFLICT)
    require_open(application)
    assert application.id is not None
    if application.endorser_user_id == user_id:
        raise Refused(Refusal.ENDORSER_RECUSED)
    if await is_recused(session, application.id, user_id):
        raise Refused(Refusal.ALREADY_DECLARED)
    return member


async def conflict_form(
    session: AsyncSession, application_id: int, user_id: str, staff: Collection[str] = ()
) -> ApplicationView:
    """The application `user_id` is about to declare a conflict on, if they may."""
    view = await load_view(session, application_id)
    await _may_declare(session, view.application, user_id, staff)
    return view


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
    staff: Collection[str] = (),
) -> ConflictResult:
    """Recuse a member (or staff) from an application; a member's vote in the current round is
    withdrawn. A connected person's declaration is their answer to the prompt."""
    reason = reason.strip()
    if not reason or len(reason) > CONFLICT_REASON_MAX:
        raise Refused(Refusal.BAD_REASON, field="reason", limit=CONFLICT_REASON_MAX)
    application = await locked_application(session, application_id)
    member = await _may_declare(session, application, member_user_id, staff)
    connected_to = await connection_to(session, application, member_user_id)
    session.add(
        Conflict(
            application_id=application_id,
            slack_user_id=member_user_id,
            member_id=member.id if member is not None else None,
            reason=reason,
            declared_at=now,
        )
    )
    trail = audit.about(session, application, at=now, actor=member_user_id)
    trail.record(
        "conflict.declared",
        reason=reason,
        constituency=member.constituency if member is not None else "staff",
        connected_to=connected_to,
    )
    if connected_to is not None:
        await record_answer(session, application, member_user_id, CONFLICT, connected_to, now)
    withdrawn = None
    # Once decided the votes are final; staff not on the roster have no vote.
    if member is not None and await current_decision(session, application) is None:
        withdrawn = await _withdraw_vote(session, application, member, now)
    return ConflictResult(application_id, withdrawn)


async def recuse(
    session: AsyncSession,
    application: Application,
    member: Member,
    *,
    reason: str,
    now: datetime,
    actor: str,
    action: str = "conflict.declared",
) -> VoteChoice | None:
    """Recuse a member from an application without their declaring it (the named endorser, by
    `actor`); their vote in the current round is withdrawn. Returns the vote withdrawn."""
    assert application.id is not None and member.id is not None
    session.add(
        Conflict(
            application_id=application.id,
            slack_user_id=member.slack_user_id,
            member_id=member.id,
            reason=reason,
            declared_at=now,
        )
    )
    trail = audit.about(session, application, at=now, actor=actor)
    trail.record(
        action, reason=reason, constituency=member.constituency, member=member.slack_user_id
    )
    if await current_decision(session, application) is None:  # else the votes are final
        return await _withdraw_vote(session, application, member, now)
    return None


WITHDRAWAL_REASON_MAX = 500


@dataclass(frozen=True)
class ConflictWithdrawn:
    application_id: int
    council: str


async def withdraw_conflict(
    session: AsyncSession,
    *,
    application_id: int,
    user_id: str,
    reason: str,
    now: datetime,
) -> ConflictWithdrawn:
    """Withdraw the conflict `user_id` declared, before the decision, with a reason: they may
    vote (or, for staff, decide) again. Afterwards the decision was made without them, so the
    conflict stands."""
    reason = reason.strip()
    if not reason or len(reason) > WITHDRAWAL_REASON_MAX:
        raise Refused(Refusal.BAD_REASON, field="reason", limit=WITHDRAWAL_REASON_MAX)
    application = await locked_application(session, application_id)
    if application.endorser_user_id == user_id:
        raise Refused(Refusal.ENDORSER_RECUSED)  # the endorser's recusal is for good
    council = await session.get(Council, application.council_id)
    name = council.name if council is not None else ""
    conflict = await conflict_of(session, application_id, user_id)
    if conflict is None:
        raise Refused(Refusal.NO_CONFLICT, council=name)
    if not ApplicationStatus(application.status).is_open or (
        await current_decision(session, application) is not None
    ):
        raise Refused(Refusal.CONFLICT_FINAL, council=name)
    await session.delete(conflict)
    answer = (
        await session.exec(
            select(ConnectionAnswer).where(
                ConnectionAnswer.application_id == application_id,
                ConnectionAnswer.slack_user_id == user_id,
            )
        )
    ).first()
    if answer is not None:  # their prompt is answered: they now say they have no conflict
        await record_answer(session, application, user_id, NO_CONFLICT, answer.connected_to, now)
    audit.about(session, application, at=now, actor=user_id).record(
        "conflict.withdrawn", reason=reason, declared_reason=conflict.reason
    )
    return ConflictWithdrawn(application_id, name)


async def open_conflicts(session: AsyncSession, user_id: str) -> list[tuple[Application, Council]]:
    """The applications `user_id` declared a conflict on, with their councils (any status)."""
    rows = (
        await session.exec(
            select(Application, Council)
            .join(Conflict, col(Conflict.application_id) == col(Application.id))
            .join(Council, col(Council.id) == col(Application.council_id))
            .where(Conflict.slack_user_id == user_id)
            .order_by(col(Application.id).desc())
        )
    ).all()
    return [(a, c) for a, c in rows]


async def _withdraw_vote(
    session: AsyncSession, application: Application, member: Member, now: datetime
) -> VoteChoice | None:
    """Withdraw the member's vote in the current round (they declared a conflict), if any."""
    current = (
        await session.exec(
            select(Vote).where(
                Vote.application_id == application.id,
                Vote.round == application.current_round,
                Vote.member_id == member.id,
            )
        )
    ).first()
    if current is None:
        return None
    await session.exec(delete(Vote).where(col(Vote.id) == current.id))
    _keep_change(session, application, member, None, VoteChoice(current.choice), now)
    return VoteChoice(current.choice)


def _keep_change(
    session: AsyncSession,
    application: Application,
    member: Member,
    choice: VoteChoice | None,
    previous: VoteChoice | None,
    now: datetime,
) -> None:
    """Every change of a member's vote is kept and audited: cast, changed, or (None) withdrawn,
    which only a declared conflict does."""
    assert application.id is not None and member.id is not None
    round = application.current_round
    session.add(
        VoteChange(
            application_id=application.id, round=round, member_id=member.id, choice=choice, at=now
        )
    )
    trail = audit.about(session, application, at=now, actor=member.slack_user_id)
    if choice is None:
        trail.record(
            "vote.withdrawn", round=round, previous=str(previous), because="conflict declared"
        )
    else:
        trail.record(
            "vote.changed" if previous is not None else "vote.cast",
            round=round,
            choice=str(choice),
            previous=str(previous) if previous is not None else None,
            constituency=member.constituency,
        )


async def recusals(session: AsyncSession, application_id: int) -> list[Conflict]:
    """Who is recused from the application and why, oldest first."""
    rows = await session.exec(
        select(Conflict)
        .where(Conflict.application_id == application_id)
        .order_by(col(Conflict.declared_at))
    )
    return list(rows.all())


WITHDRAW_USAGE = "conflict withdraw <council> <reason>"


async def withdraw_named_conflict(
    session: AsyncSession, *, user_id: str, text: str, now: datetime
) -> ConflictWithdrawn:
    """`conflict withdraw <council> <reason>`: withdraw `user_id`'s conflict on the council's
    latest application they declared one on."""
    declared = await open_conflicts(session, user_id)
    if not declared:
        raise Refused(Refusal.NO_CONFLICT, council="any application")
    council, reason = await council_then_reason(
        session, text, {c.id for _, c in declared if c.id is not None}, WITHDRAW_USAGE
    )
    application = next(a for a, c in declared if c.id == council.id)
    assert application.id is not None
    return await withdraw_conflict(
        session, application_id=application.id, user_id=user_id, reason=reason, now=now
    )
