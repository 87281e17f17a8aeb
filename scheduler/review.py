"""The review-reminder job (DESIGN.md section 4, "Deadline"): a scan that may run any number of
times; the reminder ledger makes each message go once. Which rounds are open and who is reminded
is `bot.services.reminders`.

Members who have not voted (and are not recused) get a direct message `vote_reminder_days`
before the deadline; the channel is told `quorum_warning_days` before it when quorum is missing.
A scan that runs late (the bot was down) still sends, but only the most urgent reminder.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.review import build_quorum_warning, build_vote_reminder
from bot.domain.review import missing_constituencies, quorum
from bot.sending.context import Deps
from bot.sending.slack_errors import SLACK_FAILURES, error_code, surely_not_sent
from bot.services import ledger, reminders
from bot.services.applications import load_view
from bot.services.reminders import QUORUM_WARNING, VOTE_REMINDER, OpenRound
from models.db import transaction

log = logging.getLogger(__name__)


@dataclass
class ReminderReport:
    """What one scan sent: (application id, user id, offset) and (application id, offset)."""

    vote_reminders: list[tuple[int, str, int]] = field(default_factory=list)
    quorum_warnings: list[tuple[int, int]] = field(default_factory=list)


async def _send_vote_reminders(
    deps: Deps, client: AsyncWebClient, open_round: OpenRound, council: str, now: datetime
) -> list[tuple[int, str, int]]:
    offset = reminders.most_urgent_due(
        deps.settings.rules.vote_reminder_days, open_round.deadline, now
    )
    if offset is None:
        return []
    sent: list[tuple[int, str, int]] = []
    text, blocks = build_vote_reminder(
        council=council,
        channel=open_round.channel,
        deadline=open_round.deadline,
        timezone=deps.settings.timezone,
    )
    async with deps.sessions() as session:
        waiting = await reminders.waiting_members(session, open_round)
    for user in waiting:
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
    deps: Deps, client: AsyncWebClient, open_round: OpenRound, now: datetime
) -> tuple[int, int] | None:
    rules = deps.settings.rules
    offset = reminders.most_urgent_due((rules.quorum_warning_days,), open_round.deadline, now)
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
    deps: Deps, claim_id: int, now: datetime, action: str, open_round: OpenRound, **detail: Any
) -> None:
    """Mark the claim sent and audit it, as one unit."""
    async with transaction(deps.sessions) as session:
        await ledger.mark_sent_in(session, claim_id, now)
        reminders.record_sent(session, open_round, action, now, **detail)


async def send_review_reminders(
    deps: Deps, client: AsyncWebClient, now: datetime | None = None
) -> ReminderReport:
    """The job: send the vote reminders and quorum warnings due at `now` (default: the clock)."""
    now = now or deps.clock.now()
    report = ReminderReport()
    async with deps.sessions() as session:
        rounds = await reminders.open_rounds(session, now)
    for open_round in rounds:
        async with deps.sessions() as session:
            view = await load_view(session, open_round.application_id)
        report.vote_reminders += await _send_vote_reminders(
            deps, client, open_round, view.council.name, now
        )
        warning = await _send_quorum_warning(deps, client, open_round, now)
        if warning is not None:
            report.quorum_warnings.append(warning)
    return report
