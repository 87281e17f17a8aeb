"""The renewal-nag job: each nag is posted exactly once per term, however often this runs; so
is each check-in between reviews (scheduler/check_ins.py), by the same scan and catch-up rule.

Exactly once comes from `bot.sending.once` (the reminder ledger: claim, post, mark sent). On
PostgreSQL an advisory lock lets only one instance scan at a time, which merely saves work.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.blocks.renewals import build_renewal_nag
from bot.domain.dates import local_date
from bot.sending.context import Deps
from bot.sending.once import Delivery, Key, Message, Sent, Status, post_once
from bot.sending.slack_errors import explain_code
from bot.services import renewals
from models.locks import RENEWAL_SCAN_LOCK_KEY, try_advisory_lock
from scheduler.check_ins import post_due_check_ins

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NagOutcome:
    membership_id: int
    council_name: str
    offset_days: int
    ends_on: date
    detail: str = ""


@dataclass
class ScanReport:
    """What one scan did, for logs and for `sanctuary-bot scan renewals`."""

    now: datetime
    today: date
    ran: bool = True  # False: another instance was scanning, this one stood aside
    sent: list[NagOutcome] = field(default_factory=list)
    skipped: list[NagOutcome] = field(default_factory=list)
    failed: list[NagOutcome] = field(default_factory=list)
    check_ins: list[str] = field(default_factory=list)  # what the check-ins did, line by line

    def lines(self) -> list[str]:
        head = f"Renewal nags on {self.today.isoformat()} (now {self.now.isoformat()}):"
        if not self.ran:
            return [head, "  another instance is scanning right now; nothing done here."]
        out = [head]
        for label, items in (("sent", self.sent), ("skipped", self.skipped)):
            for item in items:
                out.append(
                    f"  {label} the {item.offset_days}-day nag for {item.council_name} "
                    f"(membership {item.membership_id}, ends {item.ends_on.isoformat()})"
                    + (f": {item.detail}" if item.detail else "")
                )
        for item in self.failed:
            out.append(
                f"  FAILED the {item.offset_days}-day nag for {item.council_name} "
                f"(membership {item.membership_id}): {item.detail}"
            )
        out += [f"  {line}" for line in self.check_ins]
        if len(out) == 1:
            out.append("  nothing due.")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


async def post_renewal_nags(
    deps: Deps, client: AsyncWebClient, now: datetime | None = None
) -> ScanReport:
    """The job: post every renewal nag and check-in due at `now` (default: the clock's now)."""
    now = now or deps.clock.now()
    async with try_advisory_lock(deps.sessions, RENEWAL_SCAN_LOCK_KEY) as acquired:
        if not acquired:
            log.info("Renewal scan skipped: another instance holds the scan lock")
            return ScanReport(now=now, today=local_date(now, deps.settings.timezone), ran=False)
        return await post_due_renewal_nags(deps, client, now)


async def post_due_renewal_nags(
    deps: Deps, client: AsyncWebClient, now: datetime | None = None
) -> ScanReport:
    """The scan itself, without the advisory lock: safe to run concurrently (the ledger decides)."""
    now = now or deps.clock.now()
    settings = deps.settings
    today = local_date(now, settings.timezone)
    report = ScanReport(now=now, today=today)
    channel = settings.channel
    if channel is None:
        log.warning("Renewal scan: SANCTUARY_CHANNEL is not set, so no nag can be posted")
        return report
    offsets = settings.rules.renewal_nag_days
    async with deps.sessions() as session:
        subjects = await renewals.nag_subjects(session, today, offsets)
        settled = await renewals.settled_nags(session, [s.membership_id for s in subjects])
    for subject in subjects:
        plan = renewals.nag_plan(subject.membership.ends_on, today, offsets)
        if plan.send is None:
            continue
        outcome = NagOutcome(
            subject.membership_id, subject.council_name, plan.send, subject.membership.ends_on
        )
        for offset in plan.skip:
            if (subject.membership_id, offset) in settled:
                continue
            if await renewals.record_nag_skipped(
                deps.sessions, subject=subject, offset_days=offset, superseded_by=plan.send, now=now
            ):
                report.skipped.append(
                    NagOutcome(
                        subject.membership_id,
                        subject.council_name,
                        offset,
                        subject.membership.ends_on,
                        f"superseded by the {plan.send}-day nag",
                    )
                )
        if (subject.membership_id, plan.send) in settled:
            continue
        delivery = await _post_nag(deps, client, subject, plan.send, today, now, channel)
        if delivery.ok:
            report.sent.append(outcome)
        elif delivery.status in (Status.FAILED, Status.HELD_BACK):
            report.failed.append(_with_detail(outcome, _failure(delivery)))
    attempted, skipped = await post_due_check_ins(deps, client, now, today, channel)
    for council, months in skipped:
        report.check_ins.append(
            f"skipped the {months}-month check-in for {council}: superseded by a later one"
        )
    for term, months, delivery in attempted:
        what = f"the {months}-month check-in for {term.council_name} (membership "
        what += f"{term.membership_id})"
        if delivery.ok:
            report.check_ins.append(f"sent {what}")
        elif delivery.status in (Status.FAILED, Status.HELD_BACK):
            report.check_ins.append(f"FAILED {what}: {_failure(delivery)}")
    if report.sent or report.skipped or report.failed or report.check_ins:
        log.info("%s", report)
    return report


async def _post_nag(
    deps: Deps,
    client: AsyncWebClient,
    subject: renewals.NagSubject,
    offset: int,
    today: date,
    now: datetime,
    channel: str,
) -> Delivery:
    """Post one nag exactly once (`post_once`); nothing if the term was renewed meanwhile."""

    async def render() -> Message | None:
        if await renewals.is_renewed(deps.sessions, subject.membership_id):
            return None  # renewed between the scan's query and the claim: nothing to nag about
        text, blocks = build_renewal_nag(
            council_name=subject.council_name,
            ends_on=subject.membership.ends_on,
            today=today,
            offset_days=offset,
            registered_by=subject.registered_by,
            membership_id=subject.membership_id,
        )
        return Message(channel=channel, text=text, blocks=blocks)

    async def record(session: AsyncSession, sent: Sent) -> None:
        renewals.record_nag_sent(
            session, subject=subject, offset_days=offset, now=now, channel=channel, ts=sent.ts
        )

    key = Key(renewals.NAG_KIND, subject_id=subject.membership_id, offset_days=offset)
    return await post_once(deps, client, key, render, record, now=now)


def _failure(delivery: Delivery) -> str:
    """The report's words for a nag not posted; the next scan retries it."""
    code = delivery.error_code or "unknown"
    if delivery.status is Status.HELD_BACK:
        return f"held back, tried again hourly: {explain_code(code)}"
    if delivery.claim_released:
        return f"not posted: {explain_code(code)}"
    return f"Slack may have posted it ({delivery.error_code}); tried again after the claim's lease"


def _with_detail(outcome: NagOutcome, detail: str) -> NagOutcome:
    return NagOutcome(
        outcome.membership_id, outcome.council_name, outcome.offset_days, outcome.ends_on, detail
    )
