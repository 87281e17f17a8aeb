"""Renewals: what ends soon, and which renewal nag is due for each term (DESIGN.md section 5).

Plain functions over a session (or the session factory, for the ledger's own transactions) and
a given date; no Slack objects. The scan that posts the nags is `scheduler.renewals`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.terms import EXPIRING_WINDOW_DAYS, MembershipState, membership_state
from bot.services import audit, ledger
from models.db import SessionFactory, transaction
from models.tables import Application, Council, LedgerState, Membership, ReminderLedger

NAG_KIND = "renewal_nag"
# A term that ended longer ago than this gets no nag at all: the bot was down for weeks, or the
# term was imported long after it lapsed. Within it, a lapsed term gets its last nag, once.
LAPSED_NAG_GRACE_DAYS = 14
# `/sanctuary renewals` also lists terms that lapsed this recently: they still need action.
LAPSED_LISTED_DAYS = 30


@dataclass(frozen=True)
class NagPlan:
    """What a scan should do for one term today: post `send`, record `skip` as superseded."""

    send: int | None
    skip: tuple[int, ...] = ()


def catch_up(due_on: Mapping[int, date], today: date) -> NagPlan:
    """Of reminders due on the given dates (by offset), the one to send on `today`.

    Only the one that fell due last is sent; any others already due (the bot was down when they
    fell due) are skipped, earliest first. The catch-up rule of renewal nags and check-ins alike.
    """
    due = sorted((when, offset) for offset, when in due_on.items() if when <= today)
    if not due:
        return NagPlan(send=None)
    *earlier, (_, latest) = due
    return NagPlan(send=latest, skip=tuple(offset for _, offset in earlier))


def nag_plan(
    ends_on: date,
    today: date,
    offsets: Iterable[int],
    *,
    lapsed_grace_days: int = LAPSED_NAG_GRACE_DAYS,
) -> NagPlan:
    """The nag due on `today` for a term ending on `ends_on` (its last day).

    The nag for offset N is due from N days before the end. When several are due (the bot was
    down), only the most urgent is posted and the others are skipped (`catch_up`). A term that
    ended more than `lapsed_grace_days` ago gets nothing.
    """
    if (ends_on - today).days < -lapsed_grace_days:
        return NagPlan(send=None)
    return catch_up({offset: ends_on - timedelta(days=offset) for offset in offsets}, today)


@dataclass(frozen=True)
class NagSubject:
    """A term that may need a nag, with what the nag names."""

    membership: Membership
    council_name: str
    registered_by: str | None  # staff who registered its application; None for imports

    @property
    def membership_id(self) -> int:
        assert self.membership.id is not None
        return self.membership.id


async def nag_subjects(
    session: AsyncSession,
    today: date,
    offsets: Sequence[int],
    *,
    lapsed_grace_days: int = LAPSED_NAG_GRACE_DAYS,
) -> list[NagSubject]:
    """Terms not renewed whose end is close enough (or recent enough) for a nag, soonest first."""
    if not offsets:
        return []
    statement = (
        select(Membership, Council.name, Application.registered_by)
        .join(Council, col(Council.id) == col(Membership.council_id))
        .outerjoin(Application, col(Application.id) == col(Membership.application_id))
        .where(
            col(Membership.renewed_by_id).is_(None),
            col(Membership.ended_at).is_(None),
            col(Membership.ends_on) >= today - timedelta(days=lapsed_grace_days),
            col(Membership.ends_on) <= today + timedelta(days=max(offsets)),
        )
        .order_by(col(Membership.ends_on), col(Membership.id))
    )
    rows = (await session.exec(statement)).all()
    return [
        NagSubject(membership=membership, council_name=name, registered_by=registered_by)
        for membership, name, registered_by in rows
    ]


async def settled_nags(
    session: AsyncSession, membership_ids: Sequence[int], kind: str = NAG_KIND
) -> set[tuple[int, int]]:
    """(membership id, offset) of nags (or check-ins, by `kind`) already sent or skipped:
    nothing more to do for them."""
    if not membership_ids:
        return set()
    rows = await session.exec(
        select(ReminderLedger.subject_id, ReminderLedger.offset_days).where(
            col(ReminderLedger.kind) == kind,
            col(ReminderLedger.subject_id).in_(membership_ids),
            col(ReminderLedger.state).in_((LedgerState.SENT, LedgerState.SKIPPED)),
        )
    )
    return {(subject_id, offset) for subject_id, offset in rows.all()}


async def is_renewed(sessions: SessionFactory, membership_id: int) -> bool:
    """Whether a renewal has been approved for the term, or it was ended early: either way it
    needs no nag (checked again just before posting)."""
    async with sessions() as session:
        membership = await session.get(Membership, membership_id)
        return (
            membership is None
            or membership.renewed_by_id is not None
            or membership.ended_at is not None
        )


def record_nag_sent(
    session: AsyncSession,
    *,
    subject: NagSubject,
    offset_days: int,
    now: datetime,
    channel: str,
    ts: str | None,
) -> None:
    """Audit the nag as posted, in the transaction that marks it sent in the ledger."""
    _audit_nag(session, "renewal.nag_sent", subject, offset_days, now, channel=channel, ts=ts)


async def record_nag_skipped(
    sessions: SessionFactory,
    *,
    subject: NagSubject,
    offset_days: int,
    superseded_by: int,
    now: datetime,
) -> bool:
    """Record a nag as skipped (a more urgent one is due); False if the ledger already had it."""
    key = ledger.Key(NAG_KIND, subject_id=subject.membership_id, offset_days=offset_days)
    note = f"superseded by the {superseded_by}-day nag (it was not posted when due)"
    return await record_skipped(
        sessions,
        key,
        subject.membership,
        now=now,
        note=note,
        action="renewal.nag_skipped",
        offset_days=offset_days,
        ends_on=subject.membership.ends_on,
        superseded_by=superseded_by,
    )


async def record_skipped(
    sessions: SessionFactory,
    key: ledger.Key,
    membership: Membership,
    *,
    now: datetime,
    note: str,
    action: str,
    **detail: Any,
) -> bool:
    """Record a reminder about a term as skipped by the catch-up rule, and audit it (`action`);
    False if the ledger already had it."""
    async with transaction(sessions) as session:
        recorded = await ledger.record_skipped_in(session, key, now, note)
        if recorded:
            trail = audit.about(session, membership, at=now, actor="system")
            trail.record(action, membership_id=membership.id, **detail)
        return recorded


def _audit_nag(
    session: AsyncSession,
    action: str,
    subject: NagSubject,
    offset_days: int,
    now: datetime,
    **detail: Any,
) -> None:
    audit.about(session, subject.membership, at=now, actor="system").record(
        action,
        membership_id=subject.membership_id,
        offset_days=offset_days,
        ends_on=subject.membership.ends_on,
        **detail,
    )


# ---- /sanctuary renewals ----------------------------------------------------------------------


@dataclass(frozen=True)
class RenewalRow:
    """One term in the `/sanctuary renewals` list."""

    membership_id: int
    council_name: str
    starts_on: date
    ends_on: date
    days_left: int  # negative once lapsed
    state: MembershipState
    next_term_ends_on: date | None  # when renewed


async def ending_within(
    session: AsyncSession,
    today: date,
    days: int,
    *,
    expiring_window_days: int = EXPIRING_WINDOW_DAYS,
    lapsed_days: int = LAPSED_LISTED_DAYS,
) -> list[RenewalRow]:
    """Terms ending within `days` of `today` (and those lapsed in the last `lapsed_days`).

    Soonest end first; renewed terms are included, marked as such.
    """
    successor = aliased(Membership)
    statement = (
        select(Membership, Council.name, col(successor.ends_on))
        .join(Council, col(Council.id) == col(Membership.council_id))
        .outerjoin(successor, col(successor.id) == col(Membership.renewed_by_id))
        .where(
            col(Membership.ended_at).is_(None),
            col(Membership.ends_on) >= today - timedelta(days=lapsed_days),
            col(Membership.ends_on) <= today + timedelta(days=days),
        )
        .order_by(col(Membership.ends_on), col(Council.name), col(Membership.id))
    )
    rows = (await session.exec(statement)).all()
    result = []
    for membership, name, next_ends_on in rows:
        state = membership_state(membership, today, expiring_window_days=expiring_window_days)
        assert membership.id is not None
        result.append(
            RenewalRow(
                membership_id=membership.id,
                council_name=name,
                starts_on=membership.starts_on,
                ends_on=membership.ends_on,
                days_left=(membership.ends_on - today).days,
                state=state,
                next_term_ends_on=next_ends_on,
            )
        )
    return result
