"""The application post in the working-group channel (DESIGN.md section 4, "Posting").

Re-rendered from the database after every change; never patched in place.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.blocks import button_value
from bot.blocks.check_ins import progress_section
from bot.blocks.contacts import contacts_section
from bot.blocks.mentions import mention
from bot.domain import ids
from bot.domain.config import ReviewRules
from bot.domain.constituencies import describe
from bot.domain.dates import day, local_date, moment
from bot.domain.escape import link, mrkdwn, truncate
from bot.domain.evidence import Change, changes_since, evidence_warnings, months
from bot.domain.review import CHOICE_LABELS, choices_hidden, quorum, recommendation, voting_closed
from bot.services.applications import ApplicationView
from bot.services.contacts import summary
from models.tables import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    EndorsementStatus,
    Outcome,
    StrategyKind,
    VoteChoice,
)

SECTION_LIMIT = 3000
OUTCOME_LABELS: dict[str, str] = {
    Outcome.APPROVED: "Approved",
    Outcome.FURTHER_WORK: "Further work requested",
    Outcome.DECLINED: "Declined",
}
STATUS_LABELS: dict[str, str] = {
    ApplicationStatus.UNDER_REVIEW: "under review",
    ApplicationStatus.FURTHER_WORK: "waiting for further work",
    ApplicationStatus.APPROVED: "approved",
    ApplicationStatus.DECLINED: "declined",
    ApplicationStatus.WITHDRAWN: "withdrawn",
}
_VOTE_BUTTONS = (
    (ids.VOTE_APPROVE, VoteChoice.APPROVE, "primary"),
    (ids.VOTE_FURTHER_WORK, VoteChoice.FURTHER_WORK, None),
    (ids.VOTE_DECLINE, VoteChoice.DECLINE, "danger"),
    (ids.VOTE_ABSTAIN, VoteChoice.ABSTAIN, None),
)


def _safe_cut(text: str, limit: int) -> str:
    """Truncate mrkdwn without cutting a link `<...>` or an entity such as `&amp;` in half."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    opened = cut.rfind("<")
    if opened > cut.rfind(">"):
        cut = cut[:opened]
    amp = cut.rfind("&")
    if amp > cut.rfind(";") or (amp >= 0 and len(cut) - amp < 8 and ";" not in cut[amp:]):
        cut = cut[:amp]
    return cut + "…"


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=_safe_cut(text, SECTION_LIMIT)))


def _optional_link(url: str | None, label: str) -> str:
    return f" · {link(url, label)}" if url else ""


def endorsement_text(a: Application) -> str:
    """Who endorsed and when; for an endorser named in Slack, pending, given or declined."""
    named = mrkdwn(truncate(a.endorsed_by, 300))
    on = f" on {day(a.endorsement_date)}"
    if a.endorsement_recorded_by:
        by = mention(a.endorser_user_id) if a.endorser_user_id else named
        note = mrkdwn(truncate(a.endorsement_note or "", 300))
        return (
            f"Endorsement given{' by ' + by if by else ''}{on} outside Slack, recorded by "
            f"{mention(a.endorsement_recorded_by)}: {note}"
        )
    if not a.endorser_user_id:
        return f"Endorsed by {named}{on}"
    endorser = mention(a.endorser_user_id) + (f" ({named})" if named else "")
    if a.endorsement_status == EndorsementStatus.PENDING:
        return f"Endorsement pending: {endorser} was asked to endorse it{on}"
    if a.endorsement_status == EndorsementStatus.DECLINED:
        return f"Endorsement declined by {endorser}{on}"
    return f"Endorsement given by {endorser}{on}"


def criteria_blocks(view: ApplicationView) -> list[Block]:
    """The five criteria with their evidence and links; of the contacts, only how many."""
    a = view.application
    strategy_kind = (
        "stand-alone strategy"
        if a.strategy_kind == StrategyKind.STANDALONE
        else "part of a broader strategy"
    )
    blocks: list[Block] = [
        _section(
            f"*1. Council motion* passed {day(a.motion_date)} · "
            f"{link(a.motion_url, 'motion or minutes')}"
        ),
        _section(f"*2. Charter* signed {day(a.charter_date)}"),
        _section(
            f"*3. Local group* {mrkdwn(truncate(a.group_names, 500))}\n"
            f"Joint work: {mrkdwn(truncate(a.joint_work, 1500))}"
            f"{_optional_link(a.joint_work_url, 'evidence')}\n"
            f"{endorsement_text(a)}{_optional_link(a.endorsement_url, 'endorsement')}"
        ),
        _section(
            f"*4. Strategy* {link(a.strategy_url, 'public strategy')} · {strategy_kind}, "
            f"{day(a.strategy_start)} to {day(a.strategy_end)}"
        ),
    ]
    blocks.append(contacts_section(a.id, summary(a, view.officers)))
    return blocks


def warnings_for(view: ApplicationView, rules: ReviewRules, timezone: ZoneInfo) -> list[str]:
    """The post's warnings about the evidence, as of the day the current round opened, and
    an endorsement that will be too old by the round's deadline (the post is not rendered
    again as days pass, so it says so from the start)."""
    a = view.application
    opened = view.round.opened_at if view.round is not None else a.registered_at
    deadline = view.round.deadline_at if view.round is not None else None
    return evidence_warnings(
        a,
        on=local_date(opened, timezone),
        renewing=view.renewing,
        endorsement_max_age_months=rules.endorsement_max_age_months,
        until=local_date(deadline, timezone) if deadline is not None else None,
    )


def warning_blocks(warnings: list[str]) -> list[Block]:
    if not warnings:
        return []
    return [_section("\n".join(f":warning: {mrkdwn(w)}" for w in warnings))]


def _shown(change: Change, value: Any) -> str:
    if value is None:
        return "_none_"
    if change.name.endswith("_url"):
        return link(str(value), truncate(str(value), 80))
    if change.name == "strategy_kind":
        return "stand-alone" if value == StrategyKind.STANDALONE else "part of a broader strategy"
    if change.name == "endorser_user_id":
        return mention(str(value))
    if isinstance(value, date):
        return day(value)
    return mrkdwn(truncate(str(value), 300))


def earlier_term_blocks(view: ApplicationView, rules: ReviewRules) -> list[Block]:
    """A renewal: the previous term, the council's account of it, and what changed since the
    last approved application. A new application from a former member: that it was one."""
    a, earlier = view.application, view.earlier
    if a.kind != ApplicationKind.RENEWAL:
        if earlier is None:
            return []
        term = earlier.membership
        return [
            _section(
                f"_{mrkdwn(truncate(view.council.name, 200))} was a member before: its last "
                f"term ran from {day(term.starts_on)} to {day(term.ends_on)}. It ended "
                f"{months(rules.renewal_window_months)} or more before this application, so "
                "this is a new application, not a renewal._"
            )
        ]
    blocks: list[Block] = []
    if earlier is not None:
        term = earlier.membership
        blocks.append(_section(f"*Previous term:* {day(term.starts_on)} to {day(term.ends_on)}"))
    blocks += [
        _section(f"*During its term:* {mrkdwn(a.term_activity or '') or '_not given_'}"),
        _section(
            f"*Response to new guidance:* {mrkdwn(a.guidance_response or '') or '_not given_'}"
        ),
    ]
    if earlier is None:
        return blocks
    if earlier.approved is None:
        blocks.append(
            _section(
                "_No earlier application on record_ (the previous term was imported): "
                "nothing to compare the evidence with."
            )
        )
        return blocks
    heading = f"*Changed since the last approved application* (#{earlier.approved.id})"
    changes = changes_since(earlier.approved, a)
    if not changes:
        blocks.append(_section(f"{heading}: nothing in the evidence."))
        return blocks
    lines = [f"• {c.label}: {_shown(c, c.before)} → {_shown(c, c.after)}" for c in changes]
    blocks.append(_section(heading + "\n" + "\n".join(lines)))
    return blocks


def tally_text(view: ApplicationView, rules: ReviewRules, now: datetime) -> str:
    """The live tally by constituency, quorum and recommendation, as mrkdwn; with the blind
    tally, until the round closes, how many voted in each constituency but not how."""
    blind = choices_hidden(rules, view.round, now)
    cast = f"{view.tally.total} cast"
    if blind:
        cast += "; how members voted is shown when voting closes"
    lines = [f"*Votes, round {view.application.current_round}* ({cast})"]
    for constituency, counts in view.tally.by_constituency().items():
        voted = sum(counts.values())
        if not voted:
            parts = "no vote yet"
        elif blind:
            parts = f"{voted} vote{'s' if voted != 1 else ''}"
        else:
            parts = ", ".join(
                f"{counts[c]} {CHOICE_LABELS[c].lower()}" for c in VoteChoice if counts[c]
            )
        lines.append(f"• {describe(constituency)}: {parts}")
    state = quorum(view.tally, rules)
    if state.met:
        lines.append("*Quorum:* met")
    else:
        lines.append("*Quorum:* not yet: " + "; ".join(state.missing))
    recommended = recommendation(view.tally)
    if blind:
        lines.append("*Recommendation:* shown when voting closes")
    else:
        lines.append(
            "*Recommendation:* " + (CHOICE_LABELS[recommended] if recommended else "no majority")
        )
    if view.recused:
        lines.append("*Recused:* " + ", ".join(mention(user) for user, _ in view.recused))
    return "\n".join(lines)


def vote_buttons(application_id: int | None, round: int) -> list[ButtonElement]:
    """Approve, Further work, Decline, Abstain: on the post and in reminders alike (the value
    names the application and round, so a click anywhere finds them)."""
    value = button_value.encode(application_id, round)
    return [
        ButtonElement(text=CHOICE_LABELS[choice], action_id=action_id, value=value, style=style)
        for action_id, choice, style in _VOTE_BUTTONS
    ]


def _headline(kind: str, status: str) -> str:
    """What the post is now: the header changes with the application's stage."""
    renewal = kind == ApplicationKind.RENEWAL
    if status == ApplicationStatus.APPROVED:
        return "Renewal approved" if renewal else "Approved application"
    if status == ApplicationStatus.DECLINED:
        return "Declined renewal" if renewal else "Declined application"
    if status == ApplicationStatus.WITHDRAWN:
        return "Withdrawn renewal" if renewal else "Withdrawn application"
    return "Renewal" if renewal else "New application"


def build_application_message(
    view: ApplicationView, *, rules: ReviewRules, timezone: ZoneInfo, now: datetime
) -> tuple[str, list[Block]]:
    """The post: header, the five criteria, tally, decision or buttons. Returns (text, blocks).

    From its deadline until the decision, the vote buttons give way to "awaiting decision".
    """
    a = view.application
    council = view.council.name
    kind = _headline(a.kind, a.status)
    under_review = a.status == ApplicationStatus.UNDER_REVIEW
    closed = under_review and voting_closed(view.round, now)
    status = "voting closed, awaiting decision" if closed else STATUS_LABELS.get(a.status, a.status)
    text = f"{kind}: {mrkdwn(truncate(council, 200))} ({status})"
    blocks: list[Block] = [HeaderBlock(text=truncate(f"{kind}: {council}", 150))]
    context = [
        f"Application #{a.id}",
        f"registered by {mention(a.registered_by)} on {moment(a.registered_at, timezone)}",
        f"status: *{status}*",
    ]
    if view.round is not None and view.round.deadline_at is not None and under_review:
        deadline = moment(view.round.deadline_at, timezone)
        context.append(f"voting closed at {deadline}" if closed else f"deadline {deadline}")
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=" · ".join(context))]))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Where it stands, any time: `{ids.COMMAND} status "
                    f"{mrkdwn(truncate(council, 100))}`"
                )
            ]
        )
    )
    blocks += warning_blocks(warnings_for(view, rules, timezone))
    blocks += criteria_blocks(view)
    blocks += earlier_term_blocks(view, rules)
    if a.renewal_of_id is not None:
        blocks.append(_section(progress_section(view.progress, timezone)))
    blocks.append(DividerBlock())
    blocks.append(_section(tally_text(view, rules, now)))
    for decision in view.decisions:
        label = OUTCOME_LABELS.get(decision.outcome, decision.outcome)
        note = (
            f"\n_Decided without quorum:_ {mrkdwn(decision.without_quorum_reason)}"
            if decision.without_quorum_reason
            else ""
        )
        if decision.amended_at is not None and decision.amended_by is not None:
            note += (
                f"\n_Rationale amended by {mention(decision.amended_by)} on "
                f"{moment(decision.amended_at, timezone)}_"
            )
        blocks.append(
            _section(
                f"*Decision, round {decision.round}: {label}* by {mention(decision.decided_by)} "
                f"on {moment(decision.decided_at, timezone)}\n"
                f"{mrkdwn(truncate(decision.rationale, 2000))}{note}"
            )
        )
    if closed:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text="*Voting closed at the deadline: awaiting decision.* Staff record "
                        f"it, or reopen voting with `{ids.EXTEND_USAGE}`."
                    )
                ]
            )
        )
    if under_review:
        value = button_value.encode(view.application.id, view.application.current_round)
        elements = [] if closed else vote_buttons(a.id, a.current_round)
        elements += [
            ButtonElement(text="Declare conflict", action_id=ids.DECLARE_CONFLICT, value=value),
            ButtonElement(text="Record decision", action_id=ids.RECORD_DECISION, value=value),
        ]
        blocks.append(ActionsBlock(block_id=f"review:{value}", elements=elements))
    if a.status == ApplicationStatus.FURTHER_WORK:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text="Waiting for updated evidence; staff open the next round with "
                        "*Edit evidence*."
                    )
                ]
            )
        )
    if a.status.startswith(("under_review", "further_work")):
        blocks.append(
            ActionsBlock(
                block_id=f"manage:{a.id}",
                elements=[
                    ButtonElement(
                        text="Edit evidence",
                        action_id=ids.EDIT_APPLICATION,
                        value=button_value.encode_id(a.id),
                    ),
                    ButtonElement(
                        text="Withdraw",
                        action_id=ids.WITHDRAW_APPLICATION,
                        value=button_value.encode_id(a.id),
                    ),
                ],
            )
        )
    return text, blocks
