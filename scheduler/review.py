"""Review deadline nudges (DESIGN.md section 4, "Deadline"): a scan that may run any number of
times; the reminder ledger makes each message go once.

Members who have not voted (and are not recused) get a direct message `vote_reminder_days`
before the deadline; the channel is told `quorum_warning_days` before it when quorum is missing.
A scan that runs late (the bot was down) still sends, but only the most urgent reminder.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, select

from bot.blocks.review import build_quorum_warning, build_vote_reminder
from bot.domain.review import missing_constituencies, quorum
from bot.sending.context import Deps
from bot.sending.slack_errors import SLACK_FAILURES, error_code, surely_not_sent
from bot.services import audit, ledger
from bot.services.applications import load_view
from models.db import transaction
from models.tables import Application, ApplicationStatus, Conflict, Member, ReviewRound, Vote

log = logging.getLogger(__name__)

VOTE_REMINDER = "vote_reminder"
QUORUM_WARNING = "quorum_warning"


@dataclass
class ReminderReport:
    """What one scan sent: (application id, user id, offset) and (application id, offset)."""

    vote_reminders: list[tuple[int, str, int]] = field(default_factory=list)
    quorum_warnings: list[tuple[int, int]] = field(default_factory=list)


@dataclass(frozen=True)
class _OpenRound:
    application_id: int
    council_id: int
    round: int
    deadline: datetime
    channel: str
    thread_ts: str


def most_urgent_due(offsets: tuple[int, ...], deadline: datetime, now: datetime) -> int | None:
    """The smallest offset (days before the deadline) whose moment has come, if any."""
    due = [o for o in offsets if now >= deadline - timedelta(days=o)]
    return min(due) if due else None


async def _open_rounds(deps: Deps, now: datetime) -> list[_OpenRound]:
    async with deps.sessions() as session:
        rows = (
            await session.exec(
                select(Application, ReviewRound)
                .join(
                    ReviewRound,
                    (col(ReviewRound.application_id) == col(Application.id))
                    & (col(ReviewRound.number) == col(Application.current_round)),
                )
                .where(
                    Application.status == ApplicationStatus.UNDER_REVIEW,
                    col(ReviewRound.closed_at).is_(None),
                    col(ReviewRound.deadline_at).is_not(None),
                    col(ReviewRound.deadline_at) > now,
                    col(Application.message_ts).is_not(None),
                )
            )
        ).all()
    return [
        _OpenRound(
            application_id=a.id,  # type: ignore[arg-type]
            council_id=a.council_id,
            round=r.number,
            deadline=r.deadline_at,  # type: ignore[arg-type]
            channel=a.channel or "",
            thread_ts=a.message_ts or "",
        )
        for a, r in rows
    ]


async def _waiting_members(deps: Deps, open_round: _OpenRound) -> list[str]:
    """Active members who have not voted in the round and are not recused."""
    async with deps.sessions() as session:
        voted = select(Vote.member_id).where(
            Vote.application_id == open_round.application_id, Vote.round == open_round.round
        )
        recused = select(Conflict.member_id).where(
            Conflict.application_id == open_round.application_id
        )
        rows = (
            await session.exec(
                select(Member.slack_user_id)
                .where(
                    col(Member.active).is_(True),
                    col(Member.id).not_in(voted),
                    col(Member.id).not_in(recused),
                )
                .order_by(col(Member.added_at))
            )
        ).all()
    return list(rows)


async def _send_vote_reminders(
    deps: Deps, client: AsyncWebClient, open_round: _OpenRound, council: str, now: datetime
) -> list[tuple[int, str, int]]:
    offset = most_urgent_due(deps.settings.rules.vote_reminder_days, open_round.deadline, now)
    if offset is None:
        return []
    sent: list[tuple[int, str, int]] = []
    text, blocks = build_vote_reminder(
        council=council,
        channel=open_round.channel,
        deadline=open_round.deadline,
        timezone=deps.settings.timezone,
    )
    for user in await _waiting_members(deps, open_round):
        claim_id = await ledger.claim(
            deps.sessions,
            kind=VOTE_REMINDER,
            subject_id=open_round.application_id,
            round=open_round.round,
            offset_days=offset,
            recipient=user,
            now=now,
        )
        if claim_id is None:
            continue
        try:
            await client.chat_postMessage(channel=user, text=text, blocks=blocks)
        except SLACK_FAILURES as error:
            log.warning("Vote reminder to %s failed: %s", user, error_code(error))
            if surely_not_sent(error):
                await ledger.release(deps.sessions, claim_id)
            continue
        await _record_sent(
            deps,
            claim_id,
            now,
            "reminder.vote_sent",
            open_round,
            recipient=user,
            days_before=offset,
        )
        sent.append((open_round.application_id, user, offset))
    return sent


async def _send_quorum_warning(
    deps: Deps, client: AsyncWebClient, open_round: _OpenRound, now: datetime
) -> tuple[int, int] | None:
    rules = deps.settings.rules
    offset = most_urgent_due((rules.quorum_warning_days,), open_round.deadline, now)
    if offset is None:
        return None
    async with deps.sessions() as session:
        view = await load_view(session, open_round.application_id)
    state = quorum(view.tally, rules)
    if state.met:
        return None
    claim_id = await ledger.claim(
        deps.sessions,
        kind=QUORUM_WARNING,
        subject_id=open_round.application_id,
        round=open_round.round,
        offset_days=offset,
        now=now,
    )
    if claim_id is None:
        return None
    missing = missing_constituencies(view.tally, rules)
    text, blocks = build_quorum_warning(
        council=view.council.name,
        deadline=open_round.deadline,
        timezone=deps.settings.timezone,
        missing=missing,
        quorum_missing=state.missing,
    )
    try:
        await client.chat_postMessage(
            channel=open_round.channel,
            thread_ts=open_round.thread_ts,
            reply_broadcast=True,
            text=text,
            blocks=blocks,
        )
    except SLACK_FAILURES as error:
        log.warning(
            "Quorum warning for %s failed: %s", open_round.application_id, error_code(error)
        )
        if surely_not_sent(error):
            await ledger.release(deps.sessions, claim_id)
        return None
    await _record_sent(
        deps,
        claim_id,
        now,
        "reminder.quorum_warning_sent",
        open_round,
        missing=list(missing),
        days_before=offset,
    )
    return (open_round.application_id, offset)


async def _record_sent(
    deps: Deps, claim_id: int, now: datetime, action: str, open_round: _OpenRound, **detail: Any
) -> None:
    """Mark the claim sent and audit it, as one unit."""
    async with transaction(deps.sessions) as session:
        await ledger.mark_sent_in(session, claim_id, now)
        audit.record(
            session,
            at=now,
            actor="system",
            action=action,
            council_id=open_round.council_id,
            application_id=open_round.application_id,
            round=open_round.round,
            **detail,
        )


async def scan_review_reminders(
    deps: Deps, client: AsyncWebClient, now: datetime | None = None
) -> ReminderReport:
    """Send whatever vote reminders and quorum warnings are due at `now` (default: the clock)."""
    now = now or deps.clock.now()
    report = ReminderReport()
    for open_round in await _open_rounds(deps, now):
        async with deps.sessions() as session:
            view = await load_view(session, open_round.application_id)
        report.vote_reminders += await _send_vote_reminders(
            deps, client, open_round, view.council.name, now
        )
        warning = await _send_quorum_warning(deps, client, open_round, now)
        if warning is not None:
            report.quorum_warnings.append(warning)
    return report


async def run_review_reminders(deps: Deps, client: AsyncWebClient) -> None:
    """The scheduled job."""
    await scan_review_reminders(deps, client)
