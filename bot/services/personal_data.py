"""Personal data under UK GDPR: contacts (councillor, officers), comments, conflict reasons,
and what an endorser named in Slack said (their answer, their questions to staff).

Contacts are kept while the process needs them: while an application is open, and while the
council is a member. They are erased `contact_retention_months` after a membership lapsed or an
application was declined or withdrawn. On request, what the process no longer needs is erased.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import audit
from models.tables import (
    Application,
    ApplicationStatus,
    AuditEntry,
    Comment,
    Conflict,
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


async def erase_contacts(
    session: AsyncSession,
    application: Application,
    *,
    now: datetime,
    actor: str,
    reason: str,
    councillor: bool = True,
    officers: Sequence[ContactOfficer] | None = None,
    **detail: object,
) -> None:
    """The one way contacts are erased, by retention (all of them) or on request (one
    person's): the councillor's details if `councillor`, the `officers` (None: all), audited
    `contacts.erased`. The bot then renders the post again, once (bot/sending/scrub.py)."""
    if officers is None:
        await session.exec(
            delete(ContactOfficer).where(col(ContactOfficer.application_id) == application.id)
        )
        application.contacts_erased_at = now
    else:
        for officer in officers:
            await session.delete(officer)
    if councillor:
        application.councillor_name = None
        application.councillor_email = None
        application.councillor_portfolio = None
    session.add(application)
    trail = audit.about(session, application, at=now, actor=actor)
    trail.record(
        "contacts.erased",
        reason=reason,
        councillor=councillor,
        officers="all" if officers is None else len(officers),
        **detail,
    )


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
    for application, reason in due:
        await erase_contacts(
            session,
            application,
            now=now,
            actor="system",
            reason=reason,
            retention_months=retention_months,
        )
    return [a.id for a, _ in due if a.id is not None]


@dataclass
class PersonalDataReport:
    """What is held about one person, and (after an erasure) what was removed or kept, why."""

    councillor_of: list[Application] = field(default_factory=list)
    officer_of: list[tuple[ContactOfficer, Application]] = field(default_factory=list)
    member: Member | None = None
    votes: int = 0
    conflicts: list[tuple[Conflict, Application]] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    # Applications naming them in Slack as the local group's endorser, and the questions they
    # asked staff as its endorser (audit entries `endorsement.question` whose text is held).
    endorsements: list[Application] = field(default_factory=list)
    questions: list[AuditEntry] = field(default_factory=list)
    erased: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.councillor_of
            or self.officer_of
            or self.member
            or self.votes
            or self.conflicts
            or self.comments
            or self.endorsements
            or self.questions
        )


async def find_personal_data(
    session: AsyncSession, email: str, slack_user_id: str | None = None
) -> PersonalDataReport:
    """Everything held about the person with `email` (and, if given, that Slack user).

    Addresses are compared case-folded (`str.casefold`, all of Unicode), in Python: SQLite's
    lower() folds ASCII only and PostgreSQL's depends on the database's locale, so neither
    would find a stored `ÉLODIE.MARTIN@…` from `élodie.martin@…`.
    """
    wanted = _folded(email)
    report = PersonalDataReport()
    councillors = await session.exec(
        select(Application.id, Application.councillor_email).where(
            col(Application.councillor_email).is_not(None)
        )
    )
    matched = [i for i, address in councillors.all() if _folded(address) == wanted]
    if matched:
        report.councillor_of = list(
            (
                await session.exec(
                    select(Application)
                    .where(col(Application.id).in_(matched))
                    .order_by(col(Application.id))
                )
            ).all()
        )
    officers = await session.exec(select(ContactOfficer.id, ContactOfficer.email))
    matched = [i for i, address in officers.all() if _folded(address) == wanted]
    if matched:
        report.officer_of = [
            (officer, application)
            for officer, application in (
                await session.exec(
                    select(ContactOfficer, Application)
                    .join(Application, col(Application.id) == col(ContactOfficer.application_id))
                    .where(col(ContactOfficer.id).in_(matched))
                    .order_by(col(ContactOfficer.id))
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
        # By Slack user: staff not on the roster declare conflicts too.
        report.conflicts = [
            (conflict, application)
            for conflict, application in (
                await session.exec(
                    select(Conflict, Application)
                    .join(Application, col(Application.id) == col(Conflict.application_id))
                    .where(Conflict.slack_user_id == slack_user_id)
                    .order_by(col(Conflict.declared_at))
                )
            ).all()
        ]
        report.comments = list(
            (
                await session.exec(
                    select(Comment).where(
                        Comment.slack_user_id == slack_user_id, col(Comment.text).is_not(None)
                    )
                )
            ).all()
        )
        report.endorsements = list(
            (
                await session.exec(
                    select(Application)
                    .where(Application.endorser_user_id == slack_user_id)
                    .order_by(col(Application.id))
                )
            ).all()
        )
        asked = await session.exec(
            select(AuditEntry)
            .where(
                AuditEntry.actor == slack_user_id,
                AuditEntry.action == ENDORSER_QUESTION,
            )
            .order_by(col(AuditEntry.id))
        )
        report.questions = [e for e in asked.all() if question_text(e) is not None]
    return report


ENDORSER_QUESTION = "endorsement.question"


def question_text(entry: AuditEntry) -> str | None:
    """The text of an endorser's question (an `endorsement.question` entry), unless erased."""
    detail = json.loads(entry.detail or "{}")
    text = detail.get("question") if isinstance(detail, dict) else None
    return text if isinstance(text, str) else None


def _folded(address: str | None) -> str:
    return (address or "").strip().casefold()


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


async def _forget_conflict_reasons(session: AsyncSession, slack_user_id: str) -> int:
    """The reason was also written into the audit log when the conflict was declared (and, with
    the reason for withdrawing it, when it was withdrawn); how many withdrawals lost theirs."""
    entries = await session.exec(
        select(AuditEntry).where(
            AuditEntry.actor == slack_user_id,
            col(AuditEntry.action).in_(("conflict.declared", "conflict.withdrawn")),
        )
    )
    withdrawals = 0
    for entry in entries.all():
        detail = json.loads(entry.detail or "{}")
        if not isinstance(detail, dict):
            continue
        removed = [detail.pop(key, None) for key in ("reason", "declared_reason")]
        if any(value is not None for value in removed):
            entry.detail = json.dumps(detail, ensure_ascii=False, sort_keys=True)
            session.add(entry)
            withdrawals += entry.action == "conflict.withdrawn"
    return withdrawals


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
    officers: dict[int, list[ContactOfficer]] = {}
    applications: dict[int, Application] = {}
    for officer, application in report.officer_of:
        officers.setdefault(officer.application_id, []).append(officer)
        applications[officer.application_id] = application
    councillor = {a.id for a in report.councillor_of if a.id is not None}
    applications.update({a.id: a for a in report.councillor_of if a.id is not None})
    for application_id, application in sorted(applications.items()):
        labels = [f"councillor contact on application #{application_id}"]
        if application_id not in councillor:
            labels = []
        labels += [f"officer contact on application #{application_id}"] * len(
            officers.get(application_id, [])
        )
        why = await _needed(session, application, today)
        if why:
            report.kept += [f"{label}: kept, {why}" for label in labels]
            continue
        await erase_contacts(
            session,
            application,
            now=now,
            actor=actor,
            reason="on request",
            on_request=True,
            councillor=application_id in councillor,
            officers=officers.get(application_id, []),
        )
        report.erased += labels
    for conflict, application in report.conflicts:
        if conflict.reason:
            conflict.reason = ""
            session.add(conflict)
            report.erased.append(
                f"the reason for the conflict declared on application #{application.id}"
            )
    withdrawn = await _forget_conflict_reasons(session, slack_user_id) if slack_user_id else 0
    if withdrawn:
        report.erased.append(f"the reasons given for {withdrawn} withdrawn conflict(s)")
    if report.conflicts:
        report.kept.append(
            f"{len(report.conflicts)} declared conflict(s), without the reason: kept as the record "
            "that they took no part in those decisions"
        )
    for comment in report.comments:
        comment.text = None
        session.add(comment)
    if report.comments:
        report.erased.append(f"the text of {len(report.comments)} comment(s)")
    for entry in report.questions:
        detail = json.loads(entry.detail or "{}")
        detail.pop("question", None)
        entry.detail = json.dumps(detail, ensure_ascii=False, sort_keys=True)
        session.add(entry)
    if report.questions:
        report.erased.append(
            f"the text of {len(report.questions)} question(s) asked as an endorser"
        )
    for application in report.endorsements:
        report.kept.append(
            f"named as the endorser on application #{application.id} "
            f"({application.endorsement_status}): kept as part of the evidence the application "
            "is decided on"
        )
    if report.votes:
        report.kept.append(f"{report.votes} vote(s): kept as the record of how decisions were made")
    if report.member is not None:
        report.kept.append(
            "working-group membership (Slack id and constituency): kept while on the roster; "
            "staff remove it with /sanctuary group remove"
        )
    if report.erased:
        # The questions' entries also tell the bot which staff DMs to render again without them
        # (bot/sending/scrub.py).
        audit.Trail(session, at=now, actor=actor).record(
            "personal_data.erased",
            erased=report.erased,
            kept=len(report.kept),
            slack_user=slack_user_id,
            questions=[e.id for e in report.questions],
        )
    return report
