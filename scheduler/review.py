"""The review-reminder job (DESIGN.md section 4, "Deadline"): a scan that may run any number of
times; each message goes once, through `bot.sending.once`.

Members who have not voted (and are not recused) get a direct message `vote_reminder_days`
before the deadline; the channel is told `quorum_warning_days` before it when quorum is missing.
A scan that runs late (the bot was down) still sends, but only the most urgent reminder. Which
rounds and members are due is `bot.services.reminders`.

At a round's deadline voting stops: the post is re-rendered once (its vote buttons give way to
"awaiting decision") and each member of staff gets one "ready to decide" message; a late scan
does both as soon as it runs. After `/sanctuary extend`, the extension's reminders go to those
who have not voted in the constituencies quorum still lacks, and its deadline closes the round
again: every one of these is keyed by the extension, so each goes once per extension.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk.models.blocks import Block
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.blocks.review import build_quorum_warning, build_ready_to_decide, build_vote_reminder
from bot.domain.constituencies import CONSTITUENCIES
from bot.domain.review import (
    constituencies_lacking,
    missing_constituencies,
    quorum,
    voting_closed,
)
from bot.sending.context import Deps
from bot.sending.home import refresh_everyones_home
from bot.sending.once import Key, Message, Sent, post_once, update_once
from bot.sending.posts import permalink, refresh_post
from bot.services import reminders
from bot.services.applications import load_view
from bot.services.reminders import (
    EXTENSION_REMINDER,
    QUORUM_WARNING,
    READY_TO_DECIDE,
    VOTE_REMINDER,
    VOTING_CLOSED,
    OpenRound,
)
from models.tables import ApplicationStatus


@dataclass
class ReminderReport:
    """What one scan sent: (application id, user id, offset), (application id, offset), the
    applications whose voting it closed, and (application id, staff user id)."""

    vote_reminders: list[tuple[int, str, int]] = field(default_factory=list)
    quorum_warnings: list[tuple[int, int]] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    ready_to_decide: list[tuple[int, str]] = field(default_factory=list)


async def send_review_reminders(
    deps: Deps, client: AsyncWebClient, now: datetime | None = None
) -> ReminderReport:
    """The job: send the vote reminders and quorum warnings due at `now` (default: the clock),
    and close the voting of the rounds whose deadline has come."""
    now = now or deps.clock.now()
    report = ReminderReport()
    async with deps.sessions() as session:
        rounds = await reminders.open_rounds(session, now)
        past = await reminders.rounds_past_deadline(session, now)
    for open_round in rounds:
        report.vote_reminders += await _send_vote_reminders(deps, client, open_round, now)
        warning = await _send_quorum_warning(deps, client, open_round, now)
        if warning is not None:
            report.quorum_warnings.append(warning)
    for closing in past:
        if await _show_voting_closed(deps, client, closing, now):
            report.closed.append(closing.application_id)
        report.ready_to_decide += await _tell_staff_ready(deps, client, closing, now)
    return report


class _PostLink:
    """The post's permalink, asked of Slack at most once per round per scan, and only when a
    message that needs it is about to go."""

    def __init__(self, client: AsyncWebClient, open_round: OpenRound) -> None:
        self._client = client
        self._round = open_round
        self._asked = False
        self._link: str | None = None

    async def get(self) -> str | None:
        if not self._asked:
            self._asked = True
            self._link = await permalink(self._client, self._round.channel, self._round.thread_ts)
        return self._link


async def _send_vote_reminders(
    deps: Deps, client: AsyncWebClient, open_round: OpenRound, now: datetime
) -> list[tuple[int, str, int]]:
    offset = reminders.most_urgent_due(
        deps.settings.rules.vote_reminder_days, open_round.deadline, now
    )
    if offset is None:
        return []
    extended = open_round.extension_id is not None
    async with deps.sessions() as session:
        view = await load_view(session, open_round.application_id)
        lacking = constituencies_lacking(view.tally, deps.settings.rules) if extended else None
        waiting = await reminders.waiting_members(session, open_round, lacking or frozenset())
    post_link = _PostLink(client, open_round)
    rendered: list[tuple[str, list[Block]]] = []

    async def message(user: str) -> Message:
        # Rendered once per round and scan, when the first claim is taken: the words are the
        # same for every member, and the permalink is asked for only if a reminder is due.
        if not rendered:
            rendered.append(
                build_vote_reminder(
                    council=view.council.name,
                    channel=open_round.channel,
                    permalink=await post_link.get(),
                    application_id=open_round.application_id,
                    round=open_round.round,
                    deadline=open_round.deadline,
                    timezone=deps.settings.timezone,
                    lacking=[c for c in CONSTITUENCIES if c in (lacking or ())],
                    extended=extended,
                )
            )
        text, blocks = rendered[0]
        return Message(channel=user, text=text, blocks=blocks)

    sent: list[tuple[int, str, int]] = []
    for user in waiting:
        key = _reminder_key(open_round, offset, user)

        async def record(session: AsyncSession, _: Sent, user: str = user) -> None:
            reminders.record_sent(
                session, open_round, "reminder.vote_sent", now, recipient=user, days_before=offset
            )

        async def render_for(user: str = user) -> Message | None:
            return await message(user)

        if (await post_once(deps, client, key, render_for, record, now=now)).ok:
            sent.append((open_round.application_id, user, offset))
    return sent


def _reminder_key(open_round: OpenRound, offset: int, user: str) -> Key:
    """A vote reminder's key: about the round, or after an extension about the extension, so
    that each extension's reminders go once each."""
    if open_round.extension_id is None:
        kind, subject = VOTE_REMINDER, open_round.application_id
    else:
        kind, subject = EXTENSION_REMINDER, open_round.extension_id
    return Key(kind, subject_id=subject, round=open_round.round, offset_days=offset, recipient=user)


async def _show_voting_closed(
    deps: Deps, client: AsyncWebClient, closing: OpenRound, now: datetime
) -> bool:
    """Re-render the post once at the deadline: its vote buttons give way to "awaiting
    decision". Everyone's Home follows (the round no longer awaits their vote)."""
    key = reminders.deadline_key(VOTING_CLOSED, closing)

    async def update() -> bool:
        return await refresh_post(deps, client, closing.application_id)

    delivery = await update_once(deps, client, key, update, now=now)
    if delivery.ok:
        await refresh_everyones_home(deps, client)
    return delivery.ok


async def _tell_staff_ready(
    deps: Deps, client: AsyncWebClient, closing: OpenRound, now: datetime
) -> list[tuple[int, str]]:
    """One "ready to decide" message to each member of staff, with the tally and what quorum
    lacks, once per deadline."""
    post_link = _PostLink(client, closing)
    sent: list[tuple[int, str]] = []
    for staff in sorted(deps.settings.staff):
        key = reminders.deadline_key(READY_TO_DECIDE, closing, recipient=staff)

        async def render(staff: str = staff) -> Message | None:
            async with deps.sessions() as session:
                view = await load_view(session, closing.application_id)
            if view.application.status != ApplicationStatus.UNDER_REVIEW or not voting_closed(
                view.round, now
            ):
                return None  # decided, withdrawn or extended since the scan began
            text, blocks = build_ready_to_decide(
                view,
                rules=deps.settings.rules,
                timezone=deps.settings.timezone,
                permalink=await post_link.get(),
            )
            return Message(channel=staff, text=text, blocks=blocks)

        async def record(session: AsyncSession, _: Sent, staff: str = staff) -> None:
            reminders.record_sent(
                session, closing, "reminder.ready_to_decide_sent", now, recipient=staff
            )

        if (await post_once(deps, client, key, render, record, now=now)).ok:
            sent.append((closing.application_id, staff))
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
