"""The renewal-nag job: each nag is posted exactly once per term, however often this runs.

Exactly once comes from the reminder ledger (claim, post, mark sent; a claim never marked sent
is retaken after its lease; a claim whose post Slack refused is released for the next scan).
On PostgreSQL an advisory lock lets only one instance scan at a time, which merely saves work.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.renewals import build_renewal_nag
from bot.domain.dates import local_date
from bot.sending.context import Deps
from bot.services import ledger, renewals
from models.locks import RENEWAL_SCAN_LOCK_KEY, try_advisory_lock

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
                f"(membership {item.membership_id}): {item.detail}; the next scan retries"
            )
        if len(out) == 1:
            out.append("  nothing due.")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


async def post_renewal_nags(
    deps: Deps, client: AsyncWebClient, now: datetime | None = None
) -> ScanReport:
    """The job: post every renewal nag due at `now` (default: the clock's now)."""
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
        ledger_id = await renewals.claim_nag(deps.sessions, subject, plan.send, now)
        if ledger_id is None:
            continue  # sent already, or another instance is posting it right now
        if await renewals.is_renewed(deps.sessions, subject.membership_id):
            # Renewed between our query and the claim: nothing to nag about.
            await ledger.release(deps.sessions, ledger_id)
            continue
        text, blocks = build_renewal_nag(
            council_name=subject.council_name,
            ends_on=subject.membership.ends_on,
            today=today,
            offset_days=plan.send,
            registered_by=subject.registered_by,
            membership_id=subject.membership_id,
        )
        try:
            response = await client.chat_postMessage(channel=channel, text=text, blocks=blocks)
        except SlackApiError as error:
            reason = str(error.response.get("error") or error)
            await _give_back(deps, ledger_id, subject, plan.send, reason)
            report.failed.append(_with_detail(outcome, f"Slack refused: {reason}"))
            continue
        except (aiohttp.ClientError, TimeoutError) as error:
            # Slack may have posted it: keep the claim; after its lease the next scan may retry.
            reason = f"{type(error).__name__}: {error}"
            log.warning("Renewal nag for %s: %s", subject.council_name, reason)
            report.failed.append(_with_detail(outcome, f"Slack unreachable: {reason}"))
            continue
        ts = response.get("ts")
        await renewals.record_nag_sent(
            deps.sessions,
            ledger_id=ledger_id,
            subject=subject,
            offset_days=plan.send,
            now=now,
            channel=channel,
            ts=ts if isinstance(ts, str) else None,
        )
        report.sent.append(outcome)
    if report.sent or report.skipped or report.failed:
        log.info("%s", report)
    return report


async def _give_back(
    deps: Deps, ledger_id: int, subject: renewals.NagSubject, offset: int, reason: str
) -> None:
    await ledger.release(deps.sessions, ledger_id)
    log.warning(
        "Renewal nag (%s days) for %s (membership %s) not posted: %s; the next scan retries",
        offset,
        subject.council_name,
        subject.membership_id,
        reason,
    )


def _with_detail(outcome: NagOutcome, detail: str) -> NagOutcome:
    return NagOutcome(
        outcome.membership_id, outcome.council_name, outcome.offset_days, outcome.ends_on, detail
    )
