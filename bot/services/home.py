"""What a person's App Home shows, gathered in a bounded number of queries (at most eleven)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.config import ReviewRules
from bot.domain.review import QuorumState, Tally, quorum
from bot.services.check_ins import ProgressItem, recent_progress
from bot.services.register import member_count
from bot.services.visibility import Role, viewer
from models.tables import (
    Application,
    ApplicationStatus,
    Conflict,
    Council,
    Decision,
    Membership,
    ReviewRound,
    Vote,
)

DECIDED_LATELY_DAYS = 30


@dataclass(frozen=True)
class OpenItem:
    """An application under review (or waiting for evidence) as the Home tab lists it."""

    application_id: int
    council: str
    round: int
    deadline_at: datetime | None
    quorum: QuorumState | None = None
    votes: int = 0


@dataclass(frozen=True)
class DecidedItem:
    application_id: int
    council: str
    outcome: str
    decided_at: datetime


@dataclass(frozen=True)
class EndingItem:
    council: str
    ends_on: date


@dataclass(frozen=True)
class StaffPipeline:
    further_work: tuple[OpenItem, ...]
    under_review: tuple[OpenItem, ...]
    decided_lately: tuple[DecidedItem, ...]
    ending_soon: tuple[EndingItem, ...]
    ending_within_days: int = 90  # the "expiring" window (settings)
    progress: tuple[ProgressItem, ...] = ()  # logged at check-ins lately, newest first


@dataclass(frozen=True)
class HomeData:
    network_size: int
    constituency: str | None  # None: not on the working-group roster
    awaiting_vote: tuple[OpenItem, ...] = ()
    recused_from: tuple[OpenItem, ...] = ()
    staff: StaffPipeline | None = None


async def gather_home(
    session: AsyncSession,
    user_id: str,
    *,
    staff: Collection[str],
    now: datetime,
    today: date,
    rules: ReviewRules,
) -> HomeData:
    """Everything the person's Home tab shows, as of `now` (`today` in the local timezone):
    to an outsider the size of the network only, to a member what awaits them, to staff the
    pipeline too (bot/services/visibility.py)."""
    network_size = await member_count(session, today)
    who = await viewer(session, user_id, staff)
    if not who.in_group:
        return HomeData(network_size=network_size, constituency=None)
    reviewing = (
        await session.exec(
            select(Application.id, Council.name, Application.current_round, ReviewRound)
            .join(Council, col(Council.id) == col(Application.council_id))
            .outerjoin(
                ReviewRound,
                (col(ReviewRound.application_id) == col(Application.id))
                & (col(ReviewRound.number) == col(Application.current_round)),
            )
            .where(Application.status == ApplicationStatus.UNDER_REVIEW)
        )
    ).all()
    open_items = {
        app_id: OpenItem(app_id, name, rnd, review.deadline_at if review else None)
        for app_id, name, rnd, review in reviewing
        if app_id is not None
    }
    posted = {
        app_id for app_id, _n, _r, review in reviewing if review and review.posted_at is not None
    }
    awaiting: list[OpenItem] = []
    recused: list[OpenItem] = []
    if who.member_id is not None and open_items:
        voted = set(
            (
                await session.exec(
                    select(Vote.application_id, Vote.round).where(
                        Vote.member_id == who.member_id,
                        col(Vote.application_id).in_(list(open_items)),
                    )
                )
            ).all()
        )
        conflicts = set(
            (
                await session.exec(
                    select(Conflict.application_id).where(
                        Conflict.slack_user_id == who.user_id,
                        col(Conflict.application_id).in_(list(open_items)),
                    )
                )
            ).all()
        )
        for app_id, item in open_items.items():
            if app_id in conflicts:
                recused.append(item)
            elif app_id in posted and (app_id, item.round) not in voted and _voting(item, now):
                awaiting.append(item)
    far = datetime.max.replace(tzinfo=now.tzinfo)
    awaiting.sort(key=lambda i: (i.deadline_at or far, i.council))
    recused.sort(key=lambda i: i.council)
    pipeline = (
        await _staff_pipeline(session, open_items, now, today, rules)
        if who.role is Role.STAFF
        else None
    )
    return HomeData(
        network_size=network_size,
        constituency=who.constituency,
        awaiting_vote=tuple(awaiting),
        recused_from=tuple(recused),
        staff=pipeline,
    )


def _voting(item: OpenItem, now: datetime) -> bool:
    """Still open for votes: its deadline has not come (then it awaits staff's decision)."""
    return item.deadline_at is None or now < item.deadline_at


async def _staff_pipeline(
    session: AsyncSession,
    open_items: dict[int, OpenItem],
    now: datetime,
    today: date,
    rules: ReviewRules,
) -> StaffPipeline:
    votes: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if open_items:
        rows = (
            await session.exec(
                select(Vote.application_id, Vote.round, Vote.constituency, Vote.choice).where(
                    col(Vote.application_id).in_(list(open_items))
                )
            )
        ).all()
        for app_id, rnd, constituency, choice in rows:
            if open_items[app_id].round == rnd:
                votes[app_id].append((constituency, choice))
    under_review = []
    for app_id, item in open_items.items():
        tally = Tally.of(votes[app_id])
        under_review.append(
            OpenItem(
                app_id,
                item.council,
                item.round,
                item.deadline_at,
                quorum=quorum(tally, rules),
                votes=tally.total,
            )
        )
    far = datetime.max.replace(tzinfo=now.tzinfo)
    under_review.sort(key=lambda i: (i.deadline_at or far, i.council))
    further = (
        await session.exec(
            select(Application.id, Council.name, Application.current_round)
            .join(Council, col(Council.id) == col(Application.council_id))
            .where(Application.status == ApplicationStatus.FURTHER_WORK)
            .order_by(col(Council.name))
        )
    ).all()
    decided = (
        await session.exec(
            select(Decision.application_id, Council.name, Decision.outcome, Decision.decided_at)
            .join(Application, col(Application.id) == col(Decision.application_id))
            .join(Council, col(Council.id) == col(Application.council_id))
            .where(col(Decision.decided_at) >= now - timedelta(days=DECIDED_LATELY_DAYS))
            .order_by(col(Decision.decided_at).desc())
        )
    ).all()
    ending = (
        await session.exec(
            select(col(Council.name), col(Membership.ends_on))
            .join(Council, col(Council.id) == col(Membership.council_id))
            .where(
                col(Membership.starts_on) <= today,
                col(Membership.ends_on) >= today,
                col(Membership.ends_on) <= today + timedelta(days=rules.expiring_window_days),
                col(Membership.renewed_by_id).is_(None),
                col(Membership.ended_at).is_(None),
            )
            .order_by(col(Membership.ends_on), col(Council.name))
        )
    ).all()
    return StaffPipeline(
        further_work=tuple(OpenItem(i, n, r, None) for i, n, r in further if i is not None),
        under_review=tuple(under_review),
        decided_lately=tuple(DecidedItem(i, n, o, at) for i, n, o, at in decided),
        ending_soon=tuple(EndingItem(n, e) for n, e in ending),
        ending_within_days=rules.expiring_window_days,
        progress=tuple(await recent_progress(session, now)),
    )
