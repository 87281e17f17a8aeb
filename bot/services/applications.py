"""Reading an application with everything its post shows (the view the builders render)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.refusals import Refusal, Refused, Thing
from bot.domain.review import Tally
from bot.services.check_ins import progress_of
from bot.services.rounds import current_round
from models.tables import (
    Application,
    ApplicationKind,
    CheckIn,
    Conflict,
    ContactOfficer,
    Council,
    Decision,
    Member,
    Membership,
    ReviewRound,
    Vote,
    VoteChoice,
)


@dataclass(frozen=True)
class EarlierTerm:
    """The council's term before an application: the term it renews or, for a new application,
    the council's last one; with the application that term was approved on (None: imported)."""

    membership: Membership
    approved: Application | None


@dataclass(frozen=True)
class Ballot:
    """A vote by name, for the decision form only (staff see who voted what)."""

    user_id: str
    constituency: str  # when they voted
    choice: VoteChoice
    former_member: bool  # removed from the roster since; the vote still counts


@dataclass(frozen=True)
class ApplicationView:
    """An application as its post shows it: evidence, current round, tally, recusals, decisions."""

    application: Application
    council: Council
    officers: tuple[ContactOfficer, ...]
    round: ReviewRound | None
    tally: Tally
    recused: tuple[tuple[str, str], ...]  # (Slack user id, reason)
    decisions: tuple[Decision, ...]  # all rounds, oldest first
    earlier: EarlierTerm | None = None
    ballots: tuple[Ballot, ...] = ()  # filled for staff's decision form only (`named_ballots`)
    # For a renewal: the progress logged at the check-ins of the term it renews.
    progress: tuple[CheckIn, ...] = ()

    @property
    def renewing(self) -> Membership | None:
        """The term this application renews, if it is a renewal."""
        if self.application.kind != ApplicationKind.RENEWAL or self.earlier is None:
            return None
        return self.earlier.membership

    @property
    def decision(self) -> Decision | None:
        """The decision on the current round, if any."""
        for decision in self.decisions:
            if decision.round == self.application.current_round:
                return decision
        return None


async def locked_application(
    session: AsyncSession, application_id: int, *, shared: bool = False
) -> Application:
    """The application, locked against a concurrent change; Refused(NOT_FOUND) if none.

    Votes take the lock shared, so that members vote concurrently; a decision, an edit or a
    withdrawal takes it exclusively and so waits for the votes in progress, and they for it.
    SQLite has no row locks: there every transaction holds the write lock anyway.
    """
    application = (
        await session.exec(
            select(Application).where(Application.id == application_id).with_for_update(read=shared)
        )
    ).first()
    if application is None:
        raise Refused(Refusal.NOT_FOUND, thing=Thing.APPLICATION, number=application_id)
    return application


async def contact_officers(
    session: AsyncSession, application_id: int | None
) -> list[ContactOfficer]:
    """The application's contact officers, in the form's order."""
    rows = await session.exec(
        select(ContactOfficer)
        .where(ContactOfficer.application_id == application_id)
        .order_by(col(ContactOfficer.position))
    )
    return list(rows.all())


async def load_view(session: AsyncSession, application_id: int) -> ApplicationView:
    """Refused(NOT_FOUND) if there is no such application."""
    application = await session.get(Application, application_id)
    if application is None:
        raise Refused(Refusal.NOT_FOUND, thing=Thing.APPLICATION, number=application_id)
    council = await session.get(Council, application.council_id)
    assert council is not None
    officers = await contact_officers(session, application_id)
    review_round = await current_round(session, application)
    votes = (
        await session.exec(
            select(Vote.constituency, Vote.choice).where(
                Vote.application_id == application_id, Vote.round == application.current_round
            )
        )
    ).all()
    recused = (
        await session.exec(
            select(Conflict.slack_user_id, Conflict.reason)
            .where(Conflict.application_id == application_id)
            .order_by(col(Conflict.declared_at))
        )
    ).all()
    decisions = (
        await session.exec(
            select(Decision)
            .where(Decision.application_id == application_id)
            .order_by(col(Decision.round))
        )
    ).all()
    progress = await progress_of(session, application.renewal_of_id)
    return ApplicationView(
        application=application,
        council=council,
        officers=tuple(officers),
        round=review_round,
        tally=Tally.of(votes),
        recused=tuple((user, reason) for user, reason in recused),
        decisions=tuple(decisions),
        progress=tuple(progress),
        earlier=await earlier_term(session, application),
    )


async def earlier_term(session: AsyncSession, application: Application) -> EarlierTerm | None:
    """The term `application` renews, or else the council's last term begun before it."""
    if application.renewal_of_id is not None:
        membership = await session.get(Membership, application.renewal_of_id)
    else:
        membership = (
            await session.exec(
                select(Membership)
                .where(
                    Membership.council_id == application.council_id,
                    Membership.starts_on <= application.registered_at.date(),
                    or_(
                        col(Membership.application_id).is_(None),
                        Membership.application_id != application.id,
                    ),
                )
                .order_by(col(Membership.ends_on).desc(), col(Membership.id).desc())
            )
        ).first()
    if membership is None:
        return None
    approved = (
        await session.get(Application, membership.application_id)
        if membership.application_id is not None
        else None
    )
    return EarlierTerm(membership, approved)


async def named_ballots(session: AsyncSession, application: Application) -> tuple[Ballot, ...]:
    """The current round's votes by name, former members included (their votes count)."""
    rows = await session.exec(
        select(Member.slack_user_id, Vote.constituency, Vote.choice, Member.active)
        .join(Member, col(Member.id) == col(Vote.member_id))
        .where(Vote.application_id == application.id, Vote.round == application.current_round)
        .order_by(col(Vote.cast_at), col(Vote.id))
    )
    return tuple(
        Ballot(user, constituency, VoteChoice(choice), former_member=not active)
        for user, constituency, choice, active in rows.all()
    )
