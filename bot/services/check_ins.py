"""Check-ins between reviews (DESIGN.md section 5): 12 and 24 months into a term the channel is
invited to log the council's progress; staff log it; it shows in the history, on Home for
staff, and on the council's renewal post.

Which check-in is due follows the renewal nags' catch-up rule (`renewals.catch_up`); the scan
that posts them is `scheduler.check_ins`, run by the renewal-nag job.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.links import url_problem
from bot.domain.refusals import Refusal, Refused, Task, Thing, require_staff
from bot.domain.terms import months_later
from bot.services import audit, ledger
from bot.services.renewals import NagPlan, catch_up, record_skipped
from models.db import SessionFactory
from models.tables import Application, ApplicationStatus, CheckIn, Council, Membership

CHECK_IN_KIND = "check_in"  # ledger kind; its offset is the months into the term
WHAT_MAX = 1000
URL_MAX = 500
# Progress logged this recently is listed on Home for staff.
RECENT_PROGRESS_DAYS = 90


def check_in_plan(
    starts_on: date, ends_on: date, today: date, months: Collection[int], *, nags_from: int = 90
) -> NagPlan:
    """The check-in due on `today` for a term; as with the nags, when several are due only the
    latest is sent and the others are skipped. None once the renewal nags have begun (from
    `nags_from` days before the end): the renewal post gathers the progress then."""
    if today < starts_on or (ends_on - today).days <= nags_from:
        return NagPlan(send=None)
    due_on = {m: months_later(starts_on, m) for m in months}
    return catch_up({m: d for m, d in due_on.items() if d <= ends_on}, today)


@dataclass(frozen=True)
class CheckInSubject:
    """A term running today, with its council's name."""

    membership: Membership
    council_name: str

    @property
    def membership_id(self) -> int:
        assert self.membership.id is not None
        return self.membership.id


async def running_terms(session: AsyncSession, today: date) -> list[CheckInSubject]:
    """Terms that cover `today`, soonest start first."""
    rows = await session.exec(
        select(Membership, Council.name)
        .join(Council, col(Council.id) == col(Membership.council_id))
        .where(col(Membership.starts_on) <= today, col(Membership.ends_on) >= today)
        .order_by(col(Membership.starts_on), col(Membership.id))
    )
    return [CheckInSubject(m, name) for m, name in rows.all()]


async def still_running(sessions: SessionFactory, membership_id: int, today: date) -> bool:
    """Whether the term still covers `today` (checked again just before posting)."""
    async with sessions() as session:
        membership = await session.get(Membership, membership_id)
    return membership is not None and membership.starts_on <= today <= membership.ends_on


def record_sent(
    session: AsyncSession, subject: CheckInSubject, months: int, now: datetime, ts: str
) -> None:
    """Audit the check-in as posted, in the transaction that marks it sent in the ledger."""
    audit.about(session, subject.membership, at=now, actor="system").record(
        "check_in.sent", membership_id=subject.membership_id, months=months, ts=ts
    )


async def record_check_in_skipped(
    sessions: SessionFactory, subject: CheckInSubject, months: int, *, instead: int, now: datetime
) -> bool:
    key = ledger.Key(CHECK_IN_KIND, subject_id=subject.membership_id, offset_days=months)
    return await record_skipped(
        sessions,
        key,
        subject.membership,
        now=now,
        note=f"superseded by the {instead}-month check-in (it was not posted when due)",
        action="check_in.skipped",
        months=months,
        superseded_by=instead,
    )


# ---- logging progress -------------------------------------------------------------------------


@dataclass(frozen=True)
class Logged:
    check_in: CheckIn
    council: str
    membership: Membership
    renewal_id: int | None  # an open application renewing the term: its post shows progress


async def progress_form(
    session: AsyncSession, membership_id: int, *, actor: str, staff: Collection[str]
) -> str:
    """The council whose progress staff are about to log; Refused to anyone else."""
    require_staff(actor, staff, Task.LOG_PROGRESS)
    return (await _term(session, membership_id))[1]


async def _term(session: AsyncSession, membership_id: int) -> tuple[Membership, str]:
    membership = await session.get(Membership, membership_id)
    if membership is None:
        raise Refused(Refusal.NOT_FOUND, thing=Thing.MEMBERSHIP, number=membership_id)
    council = await session.get(Council, membership.council_id)
    assert council is not None
    return membership, council.name


async def log_progress(
    session: AsyncSession,
    membership_id: int,
    *,
    what: str,
    url: str,
    actor: str,
    staff: Collection[str],
    now: datetime,
) -> Logged:
    """Staff log what the council did during its term (an optional link); audited."""
    require_staff(actor, staff, Task.LOG_PROGRESS)
    what, url = what.strip(), url.strip()
    problems: dict[str, str] = {}
    if not what:
        problems["what"] = "Say what the council did since it joined or since the last check-in."
    elif len(what) > WHAT_MAX:
        problems["what"] = f"Please keep this under {WHAT_MAX} characters (it has {len(what)})."
    if len(url) > URL_MAX:
        problems["url"] = f"Please keep the address under {URL_MAX} characters."
    elif url and (problem := url_problem(url)) is not None:
        problems["url"] = problem  # the rule the registration form follows (bot/domain/links.py)
    if problems:
        raise Refused(Refusal.INVALID, problems=problems)
    membership, council = await _term(session, membership_id)
    row = CheckIn(
        membership_id=membership_id, what=what, url=url or None, logged_by=actor, logged_at=now
    )
    session.add(row)
    audit.about(session, membership, at=now, actor=actor).record(
        "check_in.logged", membership_id=membership_id, what=what, url=url or None
    )
    await session.flush()
    renewal = (
        await session.exec(
            select(Application.id).where(
                Application.renewal_of_id == membership_id,
                col(Application.status).in_([s for s in ApplicationStatus if s.is_open]),
            )
        )
    ).first()
    return Logged(row, council, membership, renewal)


async def progress_of(session: AsyncSession, membership_id: int | None) -> list[CheckIn]:
    """Progress logged during a term, oldest first."""
    if membership_id is None:
        return []
    rows = await session.exec(
        select(CheckIn)
        .where(CheckIn.membership_id == membership_id)
        .order_by(col(CheckIn.logged_at), col(CheckIn.id))
    )
    return list(rows.all())


@dataclass(frozen=True)
class ProgressItem:
    council: str
    what: str
    url: str | None
    logged_by: str
    logged_at: datetime


async def recent_progress(
    session: AsyncSession, now: datetime, days: int = RECENT_PROGRESS_DAYS
) -> Sequence[ProgressItem]:
    """Progress logged in the last `days`, newest first (Home for staff)."""
    rows = await session.exec(
        select(CheckIn, Council.name)
        .join(Membership, col(Membership.id) == col(CheckIn.membership_id))
        .join(Council, col(Council.id) == col(Membership.council_id))
        .where(col(CheckIn.logged_at) >= now - timedelta(days=days))
        .order_by(col(CheckIn.logged_at).desc(), col(CheckIn.id).desc())
    )
    return [ProgressItem(name, c.what, c.url, c.logged_by, c.logged_at) for c, name in rows.all()]
