"""The answer to `/sanctuary status <council>`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.blocks.application import OUTCOME_LABELS, STATUS_LABELS
from bot.domain.config import ReviewRules
from bot.domain.dates import day, local_date, moment
from bot.domain.escape import mrkdwn, truncate
from bot.domain.review import CHOICE_LABELS, quorum
from bot.services.status import MAX_COUNCILS, CouncilStatus
from models.tables import ApplicationKind, ApplicationStatus


def _council_text(
    status: CouncilStatus, rules: ReviewRules, timezone: ZoneInfo, now: datetime
) -> str:
    today = local_date(now, timezone)
    council = status.council
    lines = [f"*{mrkdwn(truncate(council.name, 200))}*"]
    a = status.application
    if a is not None:
        kind = "renewal" if a.kind == ApplicationKind.RENEWAL else "new application"
        lines.append(
            f"Application #{a.id} ({kind}): *{STATUS_LABELS.get(a.status, a.status)}*, "
            f"registered {day(a.registered_at.astimezone(timezone).date())}"
        )
        if a.status == ApplicationStatus.UNDER_REVIEW:
            if status.tally is not None:
                state = quorum(status.tally, rules)
                quorum_text = "met" if state.met else "not yet: " + "; ".join(state.missing)
                total = status.tally.total
                lines.append(
                    f"Round {a.current_round}: {total} vote{'s' if total != 1 else ''} cast · "
                    f"quorum {quorum_text}"
                )
                counts = status.tally.by_constituency()
                lines.append(
                    "By constituency: "
                    + " · ".join(f"`{k}` {sum(c.values())}" for k, c in counts.items())
                )
            if status.own_vote is not None:
                lines.append(f"Your vote: {CHOICE_LABELS[status.own_vote]}")
            if status.deadline_at is not None:
                deadline = moment(status.deadline_at, timezone)
                if now >= status.deadline_at:
                    lines.append(f"Voting closed at the deadline ({deadline}): awaiting decision")
                else:
                    lines.append(f"Deadline: {deadline}")
            elif a.message_ts is None:
                lines.append("Not yet posted to the working group (the bot keeps trying).")
        for decision in status.decisions:
            label = OUTCOME_LABELS.get(decision.outcome, decision.outcome)
            lines.append(
                f"Decision, round {decision.round}: {label} on "
                f"{day(decision.decided_at.astimezone(timezone).date())}"
            )
        if status.applications > 1:
            lines.append(f"({status.applications} applications in all)")
    else:
        lines.append("No application registered.")
    for membership in status.memberships[:3]:
        if membership.ended_at is not None:
            ended_on = day(membership.ended_at.astimezone(timezone).date())
            lines.append(
                f"Membership (ended early on {ended_on}): {day(membership.starts_on)} to "
                f"{day(membership.ends_on)}"
            )
            continue
        if membership.starts_on > today:
            term = "starts"
        elif membership.ends_on >= today:
            term = "current"
        else:
            term = "ended"
        lines.append(
            f"Membership ({term}): {day(membership.starts_on)} to {day(membership.ends_on)}"
        )
    return "\n".join(lines)


def build_status(
    query: str,
    statuses: list[CouncilStatus],
    *,
    rules: ReviewRules,
    timezone: ZoneInfo,
    now: datetime,
    total: int | None = None,
) -> tuple[str, list[Block]]:
    """Each matching council's application and membership; or that nothing was found."""
    asked = mrkdwn(truncate(query, 100))
    if not statuses:
        text = (
            f"I found no application or membership for “{asked}”. Check the spelling, or try "
            "part of the name."
        )
        return text, [SectionBlock(text=MarkdownTextObject(text=text))]
    total = max(total or 0, len(statuses))
    blocks: list[Block] = []
    if total > 1:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"{total} councils match “{asked}”"
                        + (
                            f"; the first {MAX_COUNCILS} are shown."
                            if total > MAX_COUNCILS
                            else "."
                        )
                    )
                ]
            )
        )
    for status in statuses[:MAX_COUNCILS]:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=truncate(_council_text(status, rules, timezone, now), 3000)
                )
            )
        )
    first = statuses[0]
    text = f"Status of {mrkdwn(truncate(first.council.name, 200))}" + (
        f" and {total - 1} more" if total > 1 else ""
    )
    return text, blocks
