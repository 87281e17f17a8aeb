"""Builders for the review: roster, conflict and decision modals, announcements, reminders.

Pure functions returning `(text, blocks)` or a `View`; user text is escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks import button_value
from bot.blocks.application import OUTCOME_LABELS, vote_buttons
from bot.blocks.mentions import mention
from bot.blocks.packing import pack_lines
from bot.domain import ids
from bot.domain.config import ReviewRules
from bot.domain.constituencies import CONSTITUENCIES, describe
from bot.domain.dates import moment
from bot.domain.escape import channel_link, link, mrkdwn, truncate
from bot.domain.evidence import evidence_warnings
from bot.domain.review import CHOICE_LABELS, quorum, recommendation
from bot.services.applications import ApplicationView
from bot.services.decisions import NO_QUORUM_REASON_MAX, OUTCOME_FOR_CHOICE, RATIONALE_MAX
from bot.services.extensions import ExtensionResult
from bot.services.roster import AddResult, RosterChange
from bot.services.voting import CONFLICT_REASON_MAX, VoteResult
from models.tables import Member, Outcome, VoteChoice

SECTION_LIMIT = 3000


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate(text, SECTION_LIMIT)))


def build_roster(members: Sequence[Member], *, is_staff: bool) -> tuple[str, list[Block]]:
    """`/sanctuary group`: the active members by constituency."""
    lines = []
    for keyword, name in CONSTITUENCIES.items():
        who = [mention(m.slack_user_id) for m in members if m.constituency == keyword]
        listed = ", ".join(who) if who else "_nobody yet_"
        lines.append(f"• *{name}* (`{keyword}`): {listed}")
    heading = f"*The working group* ({len(members)} member{'s' if len(members) != 1 else ''})"
    text = heading + "\n" + "\n".join(lines)
    footer = (
        "Staff: `/sanctuary group add @user <keyword>` or `/sanctuary group remove @user`."
        if is_staff
        else "Staff keep the roster."
    )
    blocks: list[Block] = [
        _section(text),
        ContextBlock(elements=[MarkdownTextObject(text=footer)]),
    ]
    return text, blocks


def roster_changed(result: AddResult) -> str:
    """What staff are told after `/sanctuary group add`."""
    who, keyword = mention(result.member.slack_user_id), result.member.constituency
    where = f"*{describe(keyword)}* (`{keyword}`)"
    if result.change is RosterChange.MOVED:
        previous = describe(result.previous_constituency or "")
        return f"Moved {who} from {previous} to {where}."
    if result.change is RosterChange.REACTIVATED:
        return f"Welcomed {who} back to the working group: {where}."
    if result.change is RosterChange.UNCHANGED:
        return f"{who} is already in the working group: {where}."
    return f"Added {who} to the working group: {where}."


def build_conflict_modal(view: ApplicationView) -> View:
    """Asks a member why they are connected to the applying council (private_metadata: id)."""
    council = view.council.name
    return View(
        type="modal",
        callback_id=ids.CONFLICT_VIEW,
        private_metadata=button_value.encode_id(view.application.id),
        title=PlainTextObject(text="Declare a conflict"),
        submit=PlainTextObject(text="Declare"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            _section(
                f"You are declaring a conflict of interest on *{mrkdwn(truncate(council, 200))}*. "
                "You will not vote on it, will not count toward its quorum and will get no "
                "reminders about it. Any vote you cast on it is withdrawn. Staff see your reason."
            ),
            _written(
                ids.CONFLICT_REASON_BLOCK,
                ids.CONFLICT_REASON_INPUT,
                "How are you connected?",
                CONFLICT_REASON_MAX,
                placeholder="e.g. I work for this council",
            ),
        ],
    )


def vote_confirmation(result: VoteResult) -> str:
    """What a member is told after clicking a vote button."""
    label = CHOICE_LABELS[result.choice]
    if result.unchanged:
        return f"Your vote is already *{label}* (round {result.round}). No change."
    if result.previous is not None:
        return (
            f"Vote changed from *{CHOICE_LABELS[result.previous]}* to *{label}* "
            f"(round {result.round}). You can change it until the decision."
        )
    return f"Vote recorded: *{label}* (round {result.round}). You can change it until the decision."


def conflict_confirmation(withdrawn: VoteChoice | None) -> str:
    """What a member is told once their conflict of interest is recorded."""
    text = (
        "Conflict of interest recorded: you are recused from this application and will get no "
        "reminders about it."
    )
    if withdrawn is not None:
        text += f" Your earlier vote ({CHOICE_LABELS[withdrawn]}) is withdrawn."
    return text


def _written(
    block_id: str,
    action_id: str,
    label: str,
    max_length: int,
    *,
    hint: str | None = None,
    optional: bool = False,
    placeholder: str | None = None,
) -> InputBlock:
    """A multi-line text input: a reason or a rationale."""
    return InputBlock(
        block_id=block_id,
        label=PlainTextObject(text=label),
        hint=PlainTextObject(text=hint) if hint else None,
        optional=optional,
        element=PlainTextInputElement(
            action_id=action_id,
            multiline=True,
            max_length=max_length,
            placeholder=PlainTextObject(text=placeholder) if placeholder else None,
        ),
    )


def _outcome_option(outcome: Outcome) -> Option:
    return Option(value=str(outcome), label=OUTCOME_LABELS[outcome])


def build_decision_modal(
    view: ApplicationView,
    *,
    rules: ReviewRules,
    recused: Sequence[tuple[str, str]],
    today: date,
) -> View:
    """Outcome and rationale, prefilled with the recommendation; a reason if quorum is missing.

    `recused` is (user id, reason): staff see who is recused and why before deciding. The
    evidence is checked again as of `today` (a strategy that will not last the term, an old
    endorsement): staff see any warning before deciding.
    """
    a = view.application
    state = quorum(view.tally, rules)
    recommended = recommendation(view.tally)
    summary = [f"*{mrkdwn(truncate(view.council.name, 200))}*, round {a.current_round}"]
    counts = ", ".join(
        f"{view.tally.count(choice)} {label.lower()}" for choice, label in CHOICE_LABELS.items()
    )
    summary.append(f"Votes: {view.tally.total} ({counts})")
    summary.append(
        "Recommendation: " + (CHOICE_LABELS[recommended] if recommended else "no majority")
    )
    summary.append("Quorum: met" if state.met else "Quorum: *not met*: " + "; ".join(state.missing))
    blocks: list[Block] = [_section("\n".join(summary))]
    warnings = evidence_warnings(
        a,
        on=today,
        renewing=view.renewing,
        endorsement_max_age_months=rules.endorsement_max_age_months,
    )
    if warnings:
        blocks.append(_section("\n".join(f":warning: {mrkdwn(w)}" for w in warnings)))
    if view.ballots:
        lines = [
            f"• {mention(b.user_id)} ({describe(b.constituency)}): {CHOICE_LABELS[b.choice]}"
            + (
                " _(former member: removed from the roster since; the vote counts)_"
                if b.former_member
                else ""
            )
            for b in view.ballots
        ]
        blocks.append(_section("*Votes by name* (only staff see this)"))
        blocks += pack_lines(lines, max_blocks=6, more=lambda n: f"_…and {n} more votes_")
    if recused:
        lines = [f"• {mention(user)}: {mrkdwn(truncate(reason, 300))}" for user, reason in recused]
        blocks.append(_section("*Recused (conflict of interest)*\n" + "\n".join(lines)))
    options = [_outcome_option(o) for o in Outcome]
    initial = (
        _outcome_option(OUTCOME_FOR_CHOICE[recommended])
        if recommended in OUTCOME_FOR_CHOICE
        else None
    )
    blocks.append(
        InputBlock(
            block_id=ids.DECISION_OUTCOME_BLOCK,
            label=PlainTextObject(text="Outcome"),
            element=RadioButtonsElement(
                action_id=ids.DECISION_OUTCOME_INPUT, options=options, initial_option=initial
            ),
        )
    )
    blocks.append(
        _written(
            ids.DECISION_RATIONALE_BLOCK,
            ids.DECISION_RATIONALE_INPUT,
            "Rationale",
            RATIONALE_MAX,
            hint="For further work, write the questions or the further work asked for.",
        )
    )
    # Always there: quorum can be lost while the form is open (a conflict withdraws a vote),
    # and a field that appears only then would leave nowhere to write the reason.
    blocks.append(
        _written(
            ids.DECISION_NO_QUORUM_BLOCK,
            ids.DECISION_NO_QUORUM_INPUT,
            "Why decide without quorum?",
            NO_QUORUM_REASON_MAX,
            optional=True,
            hint="Required while quorum is not met."
            if not state.met
            else "Quorum is met: leave empty (needed only if quorum is lost before you record).",
        )
    )
    return View(
        type="modal",
        callback_id=ids.DECISION_VIEW,
        private_metadata=button_value.encode(a.id, a.current_round),
        title=PlainTextObject(text="Record decision"),
        submit=PlainTextObject(text="Record"),
        close=PlainTextObject(text="Cancel"),
        blocks=blocks,
    )


def build_decision_announcement(
    *,
    council: str,
    round: int,
    outcome: Outcome,
    rationale: str,
    decided_by: str,
    without_quorum_reason: str | None,
    membership_until: str | None,
) -> tuple[str, list[Block]]:
    """The thread reply announcing a decision."""
    label = OUTCOME_LABELS[outcome]
    lines = [
        f"*Decision on {mrkdwn(truncate(council, 200))}, round {round}: {label}* "
        f"(recorded by {mention(decided_by)}). The votes are now final.",
        mrkdwn(truncate(rationale, 2000)),
    ]
    if without_quorum_reason:
        lines.append(f"_Decided without quorum:_ {mrkdwn(truncate(without_quorum_reason, 500))}")
    if outcome == Outcome.FURTHER_WORK:
        lines.append("A new round opens in this thread when the evidence is updated.")
    if membership_until:
        lines.append(f"Membership of the network runs until {membership_until}.")
    text = "\n".join(lines)
    return text, [_section(text)]


def where_the_post_is(channel: str, permalink: str | None) -> str:
    """A link to the application's post (its permalink), else to its channel."""
    return link(permalink, "its post") if permalink else f"its post in {channel_link(channel)}"


def build_vote_reminder(
    *,
    council: str,
    channel: str,
    permalink: str | None,
    application_id: int,
    round: int,
    deadline: datetime,
    timezone: ZoneInfo,
    lacking: Sequence[str] = (),
    extended: bool = False,
) -> tuple[str, list[Block]]:
    """The direct message to a member who has not voted yet: a link to the post, and the vote
    buttons themselves. After an extension, it says which constituencies quorum lacks."""
    name = mrkdwn(truncate(council, 200))
    closes = moment(deadline, timezone)
    if extended:
        text = f"Reminder: staff extended the working group's review of *{name}* until {closes}"
        if lacking:
            text += ", and quorum still needs a vote from " + ", ".join(
                describe(c) for c in lacking
            )
        text += ". You have not voted yet."
    else:
        text = (
            f"Reminder: the working group's review of *{name}* closes on {closes} and you have "
            "not voted yet."
        )
    text += (
        f" Read the application at {where_the_post_is(channel, permalink)}, then vote here or "
        "there, or declare a conflict of interest if you are connected to the council."
    )
    value = button_value.encode(application_id, round)
    elements = [
        *vote_buttons(application_id, round),
        ButtonElement(text="Declare conflict", action_id=ids.DECLARE_CONFLICT, value=value),
    ]
    return text, [_section(text), ActionsBlock(block_id=f"remind:{value}", elements=elements)]


def build_ready_to_decide(
    view: ApplicationView,
    *,
    rules: ReviewRules,
    timezone: ZoneInfo,
    permalink: str | None,
) -> tuple[str, list[Block]]:
    """The direct message to each member of staff when a round's voting closes at its deadline:
    the tally, what quorum lacks, the recommendation, and the decision button."""
    a = view.application
    tally = view.tally
    deadline = view.round.deadline_at if view.round is not None else None
    when = f" on {moment(deadline, timezone)}" if deadline is not None else ""
    counts = ", ".join(
        f"{tally.count(choice)} {label.lower()}"
        for choice, label in CHOICE_LABELS.items()
        if tally.count(choice)
    )
    votes = f"{tally.total} vote{'s' if tally.total != 1 else ''}" + (
        f": {counts}" if counts else ""
    )
    state = quorum(tally, rules)
    recommended = recommendation(tally)
    lines = [
        f"Voting on *{mrkdwn(truncate(view.council.name, 200))}* (round {a.current_round}) "
        f"closed at its deadline{when}: it is ready to decide.",
        f"Votes: {votes}.",
        "Quorum: met." if state.met else "Quorum: not met: " + "; ".join(state.missing) + ".",
        "Recommendation: " + (CHOICE_LABELS[recommended] if recommended else "no majority") + ".",
        f"Record the decision here or from {where_the_post_is(a.channel or '', permalink)}; or "
        f"reopen voting with `{ids.EXTEND_USAGE}`.",
    ]
    text = "\n".join(lines)
    value = button_value.encode(a.id, a.current_round)
    button = ButtonElement(text="Record decision", action_id=ids.RECORD_DECISION, value=value)
    return text, [_section(text), ActionsBlock(block_id=f"ready:{value}", elements=[button])]


def extension_confirmation(
    result: ExtensionResult, *, timezone: ZoneInfo, reminder_days: Sequence[int]
) -> str:
    """What staff are told after `/sanctuary extend`."""
    verb = "reopened" if result.reopened else "extended"
    days = " and ".join(str(d) for d in sorted(reminder_days, reverse=True))
    return (
        f"Voting on {mrkdwn(truncate(result.council, 200))} {verb} until "
        f"{moment(result.deadline, timezone)} ({result.days} more "
        f"day{'s' if result.days != 1 else ''}). Members who have not voted in the "
        f"constituencies quorum still lacks are reminded {days} days before."
    )


def build_quorum_warning(
    *,
    council: str,
    deadline: datetime,
    timezone: ZoneInfo,
    missing: Sequence[str],
    quorum_missing: Sequence[str],
) -> tuple[str, list[Block]]:
    """The channel warning that quorum is still missing close to the deadline."""
    who = ", ".join(describe(k) for k in missing) or "none"
    text = (
        f":warning: The review of *{mrkdwn(truncate(council, 200))}* closes on "
        f"{moment(deadline, timezone)} and quorum is not met yet "
        f"({'; '.join(quorum_missing)}). No vote yet from: {who}."
    )
    return text, [_section(text)]
