"""Check-ins between reviews, posted by the renewal-nag job (scheduler/renewals.py): each
exactly once per term through `bot.sending.once`, caught up after downtime as the nags are."""

from __future__ import annotations

from datetime import date, datetime

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.blocks.check_ins import build_check_in
from bot.sending.context import Deps
from bot.sending.once import Delivery, Key, Message, Sent, post_once
from bot.services import check_ins
from bot.services.renewals import settled_nags


async def post_due_check_ins(
    deps: Deps, client: AsyncWebClient, now: datetime, today: date, channel: str
) -> tuple[list[tuple[check_ins.CheckInSubject, int, Delivery]], list[tuple[str, int]]]:
    """Post every check-in due on `today`: (subject, months, delivery) of each attempted, and
    (council, months) of each skipped by the catch-up rule."""
    months = deps.settings.rules.check_in_months
    nags_from = max(deps.settings.rules.renewal_nag_days, default=0)
    async with deps.sessions() as session:
        subjects = await check_ins.running_terms(session, today)
        settled = await settled_nags(
            session, [s.membership_id for s in subjects], kind=check_ins.CHECK_IN_KIND
        )
    attempted = []
    skipped = []
    for subject in subjects:
        membership = subject.membership
        plan = check_ins.check_in_plan(
            membership.starts_on, membership.ends_on, today, months, nags_from=nags_from
        )
        if plan.send is None:
            continue
        for earlier in plan.skip:
            if (subject.membership_id, earlier) not in settled and (
                await check_ins.record_check_in_skipped(
                    deps.sessions, subject, earlier, instead=plan.send, now=now
                )
            ):
                skipped.append((subject.council_name, earlier))
        if (subject.membership_id, plan.send) in settled:
            continue
        delivery = await _post_check_in(deps, client, subject, plan.send, today, now, channel)
        attempted.append((subject, plan.send, delivery))
    return attempted, skipped


async def _post_check_in(
    deps: Deps,
    client: AsyncWebClient,
    subject: check_ins.CheckInSubject,
    months: int,
    today: date,
    now: datetime,
    channel: str,
) -> Delivery:
    async def render() -> Message | None:
        if not await check_ins.still_running(deps.sessions, subject.membership_id, today):
            return None
        text, blocks = build_check_in(
            council_name=subject.council_name,
            months=months,
            starts_on=subject.membership.starts_on,
            ends_on=subject.membership.ends_on,
            membership_id=subject.membership_id,
        )
        return Message(channel=channel, text=text, blocks=blocks)

    async def record(session: AsyncSession, sent: Sent) -> None:
        check_ins.record_sent(session, subject, months, now, sent.ts)

    key = Key(check_ins.CHECK_IN_KIND, subject_id=subject.membership_id, offset_days=months)
    return await post_once(deps, client, key, render, record, now=now)
