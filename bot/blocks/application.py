"""The application post in the working-group channel (DESIGN.md section 4, "Posting").

Re-rendered from the database after every change; never patched in place.
"""

from __future__ import annotations

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
from bot.blocks.contacts import contacts_section
from bot.blocks.mentions import mention
from bot.domain import ids
from bot.domain.config import ReviewRules
from bot.domain.constituencies import describe
from bot.domain.dates import day, moment
from bot.domain.escape import link, mrkdwn, truncate
from bot.domain.review import CHOICE_LABELS, quorum, recommendation
from bot.services.applications import ApplicationView
from bot.services.contacts import summary
from models.tables import ApplicationKind, ApplicationStatus, Outcome, StrategyKind, VoteChoice

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
            f"Endorsed by {mrkdwn(truncate(a.endorsed_by, 300))} on {day(a.endorsement_date)}"
            f"{_optional_link(a.endorsement_url, 'endorsement')}"
        ),
        _section(
            f"*4. Strategy* {link(a.strategy_url, 'public strategy')} · {strategy_kind}, "
            f"{day(a.strategy_start)} to {day(a.strategy_end)}"
        ),
    ]
    blocks.append(contacts_section(a.id, summary(a, view.officers)))
    return blocks


def tally_text(view: ApplicationView, rules: ReviewRules) -> str:
    """The live tally by constituency, quorum and recommendation, as mrkdwn."""
    lines = [f"*Votes, round {view.application.current_round}* ({view.tally.total} cast)"]
    for constituency, counts in view.tally.by_constituency().items():
        if counts:
            parts = ", ".join(
                f"{counts[c]} {CHOICE_LABELS[c].lower()}" for c in VoteChoice if counts[c]
            )
        else:
            parts = "no vote yet"
        lines.append(f"• {describe(constituency)}: {parts}")
    state = quorum(view.tally, rules)
    if state.met:
        lines.append("*Quorum:* met")
    else:
        lines.append("*Quorum:* not yet: " + "; ".join(state.missing))
    recommended = recommendation(view.tally)
    lines.append(
        "*Recommendation:* " + (CHOICE_LABELS[recommended] if recommended else "no majority")
    )
    if view.recused:
        lines.append("*Recused:* " + ", ".join(mention(user) for user, _ in view.recused))
    return "\n".join(lines)


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
    view: ApplicationView, *, rules: ReviewRules, timezone: ZoneInfo
) -> tuple[str, list[Block]]:
    """The post: header, the five criteria, tally, decision or buttons. Returns (text, blocks)."""
    a = view.application
    council = view.council.name
    kind = _headline(a.kind, a.status)
    status = STATUS_LABELS.get(a.status, a.status)
    text = f"{kind}: {mrkdwn(truncate(council, 200))} ({status})"
    blocks: list[Block] = [HeaderBlock(text=truncate(f"{kind}: {council}", 150))]
    context = [
        f"Application #{a.id}",
        f"registered by {mention(a.registered_by)} on {moment(a.registered_at, timezone)}",
        f"status: *{status}*",
    ]
    if view.round is not None and view.round.deadline_at is not None and a.status == "under_review":
        context.append(f"deadline {moment(view.round.deadline_at, timezone)}")
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
    blocks += criteria_blocks(view)
    blocks.append(DividerBlock())
    blocks.append(_section(tally_text(view, rules)))
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
    if a.status == ApplicationStatus.UNDER_REVIEW:
        value = button_value.encode(view.application.id, view.application.current_round)
        elements = [
            ButtonElement(text=CHOICE_LABELS[choice], action_id=action_id, value=value, style=style)
            for action_id, choice, style in _VOTE_BUTTONS
        ]
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
