"""Personal data under UK GDPR: contacts (councillor, officers) and comments.

Contacts are kept while the process needs them: while an application is open, and while the
council is a member. They are erased `contact_retention_months` after a membership lapsed or an
application was declined or withdrawn. On request, what the process no longer needs is erased.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import audit
from models.tables import (
    Application,
    ApplicationStatus,
    Comment,
    ContactOfficer,
    Member,
    Membership,
    Vote,
)

_CLOSED_UNSUCCESSFUL = (ApplicationStatus.DECLINED, ApplicationStatus.WITHDRAWN)


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day if it has fewer days)."""
    total = day.year * 12 + (day.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _erase_contacts(application: Application, now: datetime) -> None:
    application.councillor_name = None
    application.councillor_email = None
    application.councillor_portfolio = None
    application.contacts_erased_at = now


async def erase_lapsed_contacts(
    session: AsyncSession, *, now: datetime, today: date, retention_months: int
) -> list[int]:
    """Erase the contacts that the retention period has run out for; the applications' ids.

    Due: applications declined or withdrawn before the cut-off, and applications of councils
    whose last membership ended before it (and that have no open application).
    """
    cutoff = months_before(today, retention_months)
    last_end = (
        select(Membership.council_id, func.max(Membership.ends_on).label("last_end"))
        .group_by(col(Membership.council_id))
        .subquery()
    )
    candidates = (
        await session.exec(
            select(Application, last_end.c.last_end)
            .outerjoin(last_end, last_end.c.council_id == col(Application.council_id))
            .where(col(Application.contacts_erased_at).is_(None))
        )
    ).all()
    open_councils = {a.council_id for a, _ in candidates if ApplicationStatus(a.status).is_open}
    due: list[tuple[Application, str]] = []
    for application, ended in candidates:
        if application.council_id in open_councils:
            continue
        if application.status in _CLOSED_UNSUCCESSFUL:
            if application.updated_at.date() < cutoff:
                due.append((application, f"{application.status} before {cutoff.isoformat()}"))
        elif ended is not None and ended < cutoff:
            due.append((application, f"membership lapsed on {ended.isoformat()}"))
    ids = [a.id for a, _ in due if a.id is not None]
    if ids:
        await session.exec(
            delete(ContactOfficer).where(col(ContactOfficer.application_id).in_(ids))
        )
    for application, reason in due:
        _erase_contacts(application, now)
        session.add(application)
        trail = audit.about(session, application, at=now, actor="system")
        trail.record("contacts.erased", reason=reason, retention_months=retention_months)
    return ids


@dataclass
class PersonalDataReport:
    """What is held about one person, and (after an erasure) what was removed or kept, why."""

    councillor_of: list[Application] = field(default_factory=list)
    officer_of: list[tuple[ContactOfficer, Application]] = field(default_factory=list)
    member: Member | None = None
    votes: int = 0
    comments: list[Comment] = field(default_factory=list)
    erased: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.councillor_of or self.officer_of or self.member or self.votes or self.comments
        )


async def find_personal_data(
    session: AsyncSession, email: str, slack_user_id: str | None = None
) -> PersonalDataReport:
    """Everything held about the person with `email` (and, if given, that Slack user)."""
    address = email.strip().lower()
    report = PersonalDataReport()
    report.councillor_of = list(
        (
            await session.exec(
                select(Application).where(func.lower(Application.councillor_email) == address)
            )
        ).all()
    )
    report.officer_of = [
        (officer, application)
        for officer, application in (
            await session.exec(
                select(ContactOfficer, Application)
                .join(Application, col(Application.id) == col(ContactOfficer.application_id))
                .where(func.lower(ContactOfficer.email) == address)
            )
        ).all()
    ]
    if slack_user_id:
        report.member = (
            await session.exec(select(Member).where(Member.slack_user_id == slack_user_id))
        ).first()
        if report.member is not None:
            report.votes = (
                await session.exec(
                    select(func.count()).select_from(Vote).where(Vote.member_id == report.member.id)
                )
            ).one()
        report.comments = list(
            (
                await session.exec(
                    select(Comment).where(
                        Comment.slack_user_id == slack_user_id, col(Comment.text).is_not(None)
                    )
                )
            ).all()
        )
    return report


async def _needed(session: AsyncSession, application: Application, today: date) -> str | None:
    """Why the application's contacts are still needed, or None."""
    if ApplicationStatus(application.status).is_open:
        return "the application is still being reviewed"
    if application.status == ApplicationStatus.APPROVED:
        current = (
            await session.exec(
                select(Membership.id).where(
                    Membership.council_id == application.council_id,
                    col(Membership.ends_on) >= today,
                )
            )
        ).first()
        if current is not None:
            return "the council is a member and these are its contacts for the network"
    return None


async def erase_personal_data(
    session: AsyncSession,
    email: str,
    slack_user_id: str | None,
    *,
    now: datetime,
    today: date,
    actor: str = "cli",
) -> PersonalDataReport:
    """Erase what the process no longer needs; the report says what went and what stayed."""
    report = await find_personal_data(session, email, slack_user_id)
    for application in report.councillor_of:
        why = await _needed(session, application, today)
        label = f"councillor contact on application #{application.id}"
        if why:
            report.kept.append(f"{label}: kept, {why}")
            continue
        application.councillor_name = None
        application.councillor_email = None
        application.councillor_portfolio = None
        session.add(application)
        report.erased.append(label)
    for officer, application in report.officer_of:
        why = await _needed(session, application, today)
        label = f"officer contact on application #{application.id}"
        if why:
            report.kept.append(f"{label}: kept, {why}")
            continue
        await session.delete(officer)
        report.erased.append(label)
    for comment in report.comments:
        comment.text = None
        session.add(comment)
    if report.comments:
        report.erased.append(f"the text of {len(report.comments)} comment(s)")
    if report.votes:
        report.kept.append(f"{report.votes} vote(s): kept as the record of how decisions were made")
    if report.member is not None:
        report.kept.append(
            "working-group membership (Slack id and constituency): kept while on the roster; "
            "staff remove it with /sanctuary group remove"
        )
    if report.erased:
        audit.Trail(session, at=now, actor=actor).record(
            "personal_data.erased",
            erased=report.erased,
            kept=len(report.kept),
            slack_user=slack_user_id,
        )
    return report
