"""The endorsement as a live step (DESIGN.md section 2, criterion 3).

The registration form may name the endorser as a Slack user. The bot then asks them by DM
(bot/sending/endorsements.py); only they may answer: endorse, cannot endorse, or ask staff a
question. Until they answer the endorsement is pending. They are recused from voting on the
application (if on the roster), for good. Staff may instead record an endorsement given outside
Slack. Every change is audited, so it is in the council's history.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.dates import local_date
from bot.domain.refusals import Refusal, Refused, Task, require_staff
from bot.domain.review import require_open
from bot.services import audit
from bot.services.applications import locked_application
from bot.services.decisions import open_applications_matching
from bot.services.roster import active_member
from bot.services.voting import is_recused, recuse
from models.tables import (
    Application,
    ApplicationStatus,
    AuditEntry,
    Council,
    EndorsementStatus,
    LedgerState,
    ReminderLedger,
)

# Ledger kinds (bot/sending/once.py): the DM asking the endorser (one per application and
# endorser), a question's DM to each member of staff and the post's re-render after a change
# (both keyed by the change's audit entry).
ENDORSEMENT_REQUEST = "endorsement_request"
ENDORSEMENT_QUESTION = "endorsement_question"
ENDORSEMENT_SHOWN = "endorsement_shown"
# The endorser told that their question went to staff (keyed by the question's audit entry).
ENDORSEMENT_QUESTION_SENT = "endorsement_question_sent"
# The endorser's DM re-rendered after a change (keyed by the change's audit entry), so that it
# says what they answered instead of asking again.
ENDORSEMENT_DM_SHOWN = "endorsement_dm_shown"
# ...and once more after the application closed, without its buttons (keyed by the application).
ENDORSEMENT_DM_CLOSED = "endorsement_dm_closed"

ENDORSER_RECUSAL_REASON = "Named as the endorser of this application for the local group"
QUESTION_MAX = 1000
NOTE_MAX = 500


@dataclass(frozen=True)
class EndorsementChange:
    """What an answer or a record changed; `entry_id` (its audit entry) keys the re-render."""

    application_id: int
    council: str
    status: EndorsementStatus
    entry_id: int | None  # None: nothing changed (the same answer again)


@dataclass(frozen=True)
class Question:
    application_id: int
    council: str
    endorser: str
    text: str
    entry_id: int


async def recuse_endorser(session: AsyncSession, application: Application, now: datetime) -> None:
    """Recuse the named endorser from the application if they are on the roster (for good:
    no recusal is ever withdrawn); their vote in the current round, if any, is withdrawn."""
    if not application.endorser_user_id or application.id is None:
        return
    member = await active_member(session, application.endorser_user_id)
    if member is None or member.id is None:
        return
    if await is_recused(session, application.id, member.slack_user_id):
        return
    await recuse(
        session,
        application,
        member,
        reason=ENDORSER_RECUSAL_REASON,
        now=now,
        actor="system",
        action="conflict.endorser_recused",
    )


def endorser_changed(application: Application, before: str | None) -> bool:
    """Whether an edit named a different endorser in Slack (who must then be asked)."""
    return bool(application.endorser_user_id) and application.endorser_user_id != before


def start_endorsement(
    application: Application, *, previous_endorser: str | None, today: date
) -> None:
    """Set the status for a (new or edited) application's endorser, before it is stored: an
    endorser newly named in Slack is pending from `today`."""
    if not application.endorser_user_id:
        application.endorsement_status = EndorsementStatus.GIVEN
        application.endorsement_recorded_by = None
        application.endorsement_note = None
    elif application.endorser_user_id != previous_endorser:
        application.endorsement_status = EndorsementStatus.PENDING
        application.endorsement_date = today
        application.endorsement_recorded_by = None
        application.endorsement_note = None


async def _endorsed(
    session: AsyncSession, application_id: int, user: str
) -> tuple[Application, Council]:
    """The open application `user` is the named endorser of; Refused otherwise."""
    application = await locked_application(session, application_id)
    if application.endorser_user_id != user:
        raise Refused(Refusal.NOT_ENDORSER, endorser=application.endorser_user_id)
    council = await session.get(Council, application.council_id)
    assert council is not None
    require_open(application, council.name)
    return application, council


async def answer(
    session: AsyncSession,
    application_id: int,
    *,
    user: str,
    endorse: bool,
    now: datetime,
    timezone: ZoneInfo,
) -> EndorsementChange:
    """The endorser endorses (dated today) or cannot endorse; they may change their answer
    while the application is open. Refused to anyone else."""
    application, council = await _endorsed(session, application_id, user)
    status = EndorsementStatus.GIVEN if endorse else EndorsementStatus.DECLINED
    if application.endorsement_status == status and application.endorsement_recorded_by is None:
        return EndorsementChange(application_id, council.name, status, None)
    application.endorsement_status = status
    application.endorsement_date = local_date(now, timezone)
    application.endorsement_recorded_by = None
    application.endorsement_note = None
    application.updated_at = now
    session.add(application)
    trail = audit.about(session, application, at=now, actor=user)
    entry = trail.record("endorsement.given" if endorse else "endorsement.declined", endorser=user)
    await session.flush()
    return EndorsementChange(application_id, council.name, status, entry.id)


async def question_form(session: AsyncSession, application_id: int, user: str) -> str:
    """The council whose endorser `user` is about to ask staff a question; Refused if not."""
    _, council = await _endorsed(session, application_id, user)
    return council.name


async def ask(
    session: AsyncSession, application_id: int, *, user: str, text: str, now: datetime
) -> Question:
    """The endorser's question to staff, kept in the history."""
    text = text.strip()
    if not text or len(text) > QUESTION_MAX:
        raise Refused(Refusal.BAD_REASON, field="question", limit=QUESTION_MAX)
    application, council = await _endorsed(session, application_id, user)
    trail = audit.about(session, application, at=now, actor=user)
    entry = trail.record("endorsement.question", question=text)
    await session.flush()
    assert entry.id is not None
    return Question(application_id, council.name, user, text, entry.id)


@dataclass(frozen=True)
class Found:
    """What `/sanctuary endorse <council> <note>` names: one application, or why not."""

    application: Application | None
    council: Council | None
    note: str
    several: tuple[tuple[Application, Council], ...] = ()


async def find_for_record(session: AsyncSession, words: str) -> Found:
    """Split `<council> <note>`: the longest leading words that match exactly one application
    under review are the council, the rest the note."""
    parts = words.split()
    for n in range(len(parts), 0, -1):
        matches = await open_applications_matching(session, " ".join(parts[:n]))
        if len(matches) == 1:
            application, council = matches[0]
            return Found(application, council, " ".join(parts[n:]))
        if matches:
            return Found(None, None, "", tuple(matches))
    return Found(None, None, "")


async def record_outside(
    session: AsyncSession,
    application_id: int,
    note: str,
    *,
    actor: str,
    staff: Collection[str],
    now: datetime,
    timezone: ZoneInfo,
) -> EndorsementChange:
    """Staff record an endorsement given outside Slack (dated today, with their note)."""
    require_staff(actor, staff, Task.RECORD_ENDORSEMENT)
    note = note.strip()
    if not note or len(note) > NOTE_MAX:
        raise Refused(Refusal.BAD_REASON, field="note", limit=NOTE_MAX)
    application = await locked_application(session, application_id)
    council = await session.get(Council, application.council_id)
    assert council is not None
    require_open(application, council.name)
    application.endorsement_status = EndorsementStatus.GIVEN
    application.endorsement_date = local_date(now, timezone)
    application.endorsement_recorded_by = actor
    application.endorsement_note = note
    application.updated_at = now
    session.add(application)
    trail = audit.about(session, application, at=now, actor=actor)
    entry = trail.record("endorsement.recorded", note=note, endorser=application.endorser_user_id)
    await session.flush()
    return EndorsementChange(application_id, council.name, EndorsementStatus.GIVEN, entry.id)


# ---- asking the endorser (bot/sending/endorsements.py) -------------------------------------


@dataclass(frozen=True)
class Request:
    """An endorsement still to be asked for: the application, its council, its endorser."""

    application: Application
    council: str
    endorser: str


async def request(session: AsyncSession, application_id: int) -> Request | None:
    """The endorsement to ask for, if the application is open and its endorser has not
    answered; None otherwise."""
    application = await session.get(Application, application_id)
    if (
        application is None
        or not application.endorser_user_id
        or application.endorsement_status != EndorsementStatus.PENDING
        or not ApplicationStatus(application.status).is_open
    ):
        return None
    council = await session.get(Council, application.council_id)
    assert council is not None
    return Request(application, council.name, application.endorser_user_id)


async def record_request_sent(
    session: AsyncSession, application_id: int, endorser: str, *, at: datetime, dm: tuple[str, str]
) -> None:
    """Audit the DM to the endorser, with where it is (`dm`: channel, ts) so that it can be
    rendered again after they answer; in the transaction that marks it sent."""
    application = await session.get(Application, application_id)
    assert application is not None
    channel, ts = dm
    audit.about(session, application, at=at, actor="system").record(
        "endorsement.requested", endorser=endorser, channel=channel, ts=ts
    )


@dataclass(frozen=True)
class EndorserDm:
    """The DM that asked the application's current endorser, and the application now."""

    application: Application
    council: str
    channel: str
    ts: str


async def endorser_dm(session: AsyncSession, application_id: int) -> EndorserDm | None:
    """Where the DM asking the current endorser is (its `endorsement.requested` entry); None if
    no endorser is named in Slack or they were never asked."""
    application = await session.get(Application, application_id)
    if application is None or not application.endorser_user_id:
        return None
    entries = await session.exec(
        select(AuditEntry)
        .where(
            AuditEntry.application_id == application_id,
            AuditEntry.action == "endorsement.requested",
        )
        .order_by(col(AuditEntry.id).desc())
    )
    for entry in entries.all():
        detail = json.loads(entry.detail or "{}")
        if (
            isinstance(detail, dict)
            and detail.get("endorser") == application.endorser_user_id
            and detail.get("channel")
            and detail.get("ts")
        ):
            council = await session.get(Council, application.council_id)
            assert council is not None
            return EndorserDm(application, council.name, str(detail["channel"]), str(detail["ts"]))
    return None


async def pending_requests(session: AsyncSession) -> list[int]:
    """Open applications whose endorser has not been asked yet (Slack refused the DM)."""
    sent = select(ReminderLedger.subject_id).where(
        col(ReminderLedger.kind) == ENDORSEMENT_REQUEST,
        col(ReminderLedger.state) == LedgerState.SENT,
        col(ReminderLedger.recipient) == col(Application.endorser_user_id),
        col(ReminderLedger.subject_id) == col(Application.id),
    )
    rows = await session.exec(
        select(Application.id)
        .where(
            col(Application.endorsement_status) == EndorsementStatus.PENDING,
            col(Application.endorser_user_id).is_not(None),
            col(Application.status).in_([s for s in ApplicationStatus if s.is_open]),
            ~sent.exists(),
        )
        .order_by(col(Application.id))
    )
    return [int(i) for i in rows.all() if i is not None]


async def closed_with_dm_open(session: AsyncSession) -> list[int]:
    """Closed applications whose endorser was asked by DM and whose DM still has its buttons
    (not yet rendered again since the application closed)."""
    asked = select(ReminderLedger.subject_id).where(
        col(ReminderLedger.kind) == ENDORSEMENT_REQUEST,
        col(ReminderLedger.state) == LedgerState.SENT,
        col(ReminderLedger.subject_id) == col(Application.id),
    )
    closed = select(ReminderLedger.subject_id).where(
        col(ReminderLedger.kind) == ENDORSEMENT_DM_CLOSED,
        col(ReminderLedger.state) == LedgerState.SENT,
        col(ReminderLedger.subject_id) == col(Application.id),
    )
    rows = await session.exec(
        select(Application.id)
        .where(
            col(Application.endorser_user_id).is_not(None),
            col(Application.status).not_in([s for s in ApplicationStatus if s.is_open]),
            asked.exists(),
            ~closed.exists(),
        )
        .order_by(col(Application.id))
    )
    return [int(i) for i in rows.all() if i is not None]
