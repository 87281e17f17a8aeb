"""The review-reminder job (DESIGN.md section 4, "Deadline"): a scan that may run any number of
times; each message goes once, through `bot.sending.once`.

Members who have not voted (and are not recused) get a direct message `vote_reminder_days`
before the deadline; the channel is told `quorum_warning_days` before it when quorum is missing.
A scan that runs late (the bot was down) still sends, but only the most urgent reminder. Which
rounds and members are due is `bot.services.reminders`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.blocks.review import build_quorum_warning, build_vote_reminder
from bot.domain.review import missing_constituencies, quorum
from bot.sending.context import Deps
from bot.sending.once import Key, Message, Sent, post_once
from bot.services import reminders
from bot.services.applications import load_view
from bot.services.reminders import QUORUM_WARNING, VOTE_REMINDER, OpenRound


@dataclass
class ReminderReport:
    """What one scan sent: (application id, user id, offset) and (application id, offset)."""

    vote_reminders: list[tuple[int, str, int]] = field(default_factory=list)
    quorum_warnings: list[tuple[int, int]] = field(default_factory=list)


async def send_review_reminders(
    deps: Deps, client: AsyncWebClient, now: datetime | None = None
) -> ReminderReport:
    """The job: send the vote reminders and quorum warnings due at `now` (default: the clock)."""
    now = now or deps.clock.now()
    report = ReminderReport()
    async with deps.sessions() as session:
        rounds = await reminders.open_rounds(session, now)
    for open_round in rounds:
        report.vote_reminders += await _send_vote_reminders(deps, client, open_round, now)
        warning = await _send_quorum_warning(deps, client, open_round, now)
        if warning is not None:
            report.quorum_warnings.append(warning)
    return report


async def _send_vote_reminders(
    deps: Deps, client: AsyncWebClient, open_round: OpenRound, now: datetime
) -> list[tuple[int, str, int]]:
    offset = reminders.most_urgent_due(
        deps.settings.rules.vote_reminder_days, open_round.deadline, now
    )
    if offset is None:
        return []
    async with deps.sessions() as session:
        view = await load_view(session, open_round.application_id)
        waiting = await reminders.waiting_members(session, open_round)
    text, blocks = build_vote_reminder(
        council=view.council.name,
        channel=open_round.channel,
        deadline=open_round.deadline,
        timezone=deps.settings.timezone,
    )
    sent: list[tuple[int, str, int]] = []
    for user in waiting:
        key = Key(
            VOTE_REMINDER,
            subject_id=open_round.application_id,
            round=open_round.round,
            offset_days=offset,
            recipient=user,
        )

        async def record(session: AsyncSession, _: Sent, user: str = user) -> None:
            reminders.record_sent(
                session, open_round, "reminder.vote_sent", now, recipient=user, days_before=offset
            )

        message = Message(channel=user, text=text, blocks=blocks)
        if (await post_once(deps, client, key, message, record, now=now)).ok:
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
    missing = missing_constituencies(view.tally, rules)
    text, blocks = build_quorum_warning(
        council=view.council.name,
        deadline=open_round.deadline,
        timezone=deps.settings.timezone,
        missing=missing,
        quorum_missing=state.missing,
    )
    thread = open_round.thread_ts
    reply = Message(open_round.channel, text, blocks, thread_ts=thread, broadcast=True)
    key = Key(
        QUORUM_WARNING,
        subject_id=open_round.application_id,
        round=open_round.round,
        offset_days=offset,
    )

    async def record(session: AsyncSession, _: Sent) -> None:
        reminders.record_sent(
            session,
            open_round,
            "reminder.quorum_warning_sent",
            now,
            missing=list(missing),
            days_before=offset,
        )

    if not (await post_once(deps, client, key, reply, record, now=now)).ok:
        return None
    return (open_round.application_id, offset)
