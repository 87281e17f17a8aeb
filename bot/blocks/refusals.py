"""A service's refusal in words: one wording per reason, for a message or for a form's field.

Messages are mrkdwn, so names are escaped there; a form's error is plain text, so they are not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.blocks.mentions import mention, with_mentions
from bot.domain import ids
from bot.domain.constituencies import CONSTITUENCIES
from bot.domain.escape import mrkdwn, truncate
from bot.domain.refusals import Refusal, Refused, Task

WORDINGS: dict[Refusal, str] = {
    Refusal.NOT_STAFF: (
        "Sorry, {staff_task} is for City of Sanctuary UK staff. If you need it, ask a member of "
        "staff to add you to the staff list."
    ),
    Refusal.NOT_MEMBER: (
        "Sorry, only members of the working group can {member_task}. If you should be on the "
        f"roster, ask a member of staff to add you with `{ids.COMMAND} group add`."
    ),
    Refusal.NOT_FOUND: "I can't find {what}.",
    Refusal.RECUSED: (
        "You declared a conflict of interest on this application, so you can't vote on it."
    ),
    Refusal.ALREADY_DECLARED: "You have already declared a conflict on this application.",
    Refusal.OLD_ROUND: (
        "That belongs to an earlier round of this review (round {round}; it is now in round "
        "{current}). Please use the updated post."
    ),
    Refusal.DECIDED: (
        "The decision on round {round} was already recorded ({outcome}): a round is decided "
        "once, and its votes are final."
    ),
    Refusal.NOT_OPEN: (
        "Application #{application}{council_note} is {status}, not under review, so there is "
        "nothing to vote on or decide."
    ),
    Refusal.CLOSED: (
        "Application #{application}{council_note} is {status}: it can no longer be changed."
    ),
    Refusal.ALREADY_OPEN: (
        "{council} already has an open application (#{application}, {status}). Edit that one from "
        "its post, or withdraw it first."
    ),
    Refusal.NOTHING_CHANGED: (
        "Nothing was changed. Update the evidence the working group asked about, then save to "
        "open the next round of review."
    ),
    Refusal.INVALID: "{problems}",
    Refusal.NO_OUTCOME: "Choose the outcome.",
    Refusal.BAD_REASON: "Please write {text} (up to {limit} characters).",
    Refusal.NO_QUORUM: "Quorum is not met ({missing}). Say why you are deciding without it.",
    Refusal.UNKNOWN_KEYWORD: (
        "`{keyword}`: There is no constituency with that keyword. Use one of "
        + ", ".join(f"`{k}`" for k in CONSTITUENCIES)
        + "."
    ),
    Refusal.NOT_ON_ROSTER: (
        "{who} is not on the working-group roster, so there is nothing to remove."
    ),
    Refusal.NOT_ENDORSER: (
        "Sorry, only the endorser named on this application can answer for the local group"
        "{endorser_note}."
    ),
    Refusal.ENDORSER_RECUSED: (
        "You are named as the endorser of this application for the local group, so you are "
        "recused from it: you can't vote on it, and this cannot be withdrawn."
    ),
    Refusal.CONNECTED: (
        "You are connected to {connected_to}: declare a conflict, or confirm you have none. "
        "This is about the application of *{council}*; your vote on it waits for your answer "
        "(this one was not recorded)."
    ),
    Refusal.NOT_CONNECTED: (
        "You are not connected to {council}, its region or its group, so there is nothing to "
        "confirm."
    ),
    Refusal.CONFLICTED_DECIDER: (
        "You declared a conflict of interest on {council}, so you can't record or amend its "
        "decision: another member of staff must."
    ),
    Refusal.NO_CONFLICT: "You have no conflict of interest declared on {council} to withdraw.",
    Refusal.CONFLICT_FINAL: (
        "The decision on {council} is already recorded, so your conflict of interest stands: "
        "it can only be withdrawn before the decision."
    ),
    Refusal.NOT_REVIEWER: (
        "{who} is neither on the working-group roster nor on the staff list. Add them with "
        f"`{ids.COMMAND} group add` first."
    ),
    Refusal.UNKNOWN_CONNECTION: (
        "“{words}” could be any of {choices}. Type more of the council's name, or its code "
        "(such as E08000019); for a local group, write `group:` before its name."
    ),
    Refusal.NO_SUCH_COUNCIL: (
        "I can't find a council called “{words}”, on the official list or among the councils "
        "that have applied. Type part of its name, or its code (such as E08000019)."
    ),
    Refusal.NO_SUCH_REGION: "“{words}” is not a region on the official list: {choices}.",
    Refusal.NOT_LINKED: "{who} has no connection to {connected_to}, so nothing was changed.",
    Refusal.NOT_DECIDED: "{council} has no recorded decision to amend.",
    Refusal.NO_CURRENT_MEMBERSHIP: "{council} has no current membership to end.",
    Refusal.WHICH_COUNCIL: (
        "I can't tell which council “{words}” names{choices_note}. Please type "
        f"`{ids.COMMAND} {{usage}}`, with the council's name or code first."
    ),
    Refusal.VOTING_CLOSED: (
        "Voting closed at the deadline, so your vote was not recorded: staff now record the "
        "decision (they can reopen voting with `/sanctuary extend`)."
    ),
    Refusal.NOT_POSTED: (
        "Application #{application} is not in the working group's channel yet, so it has no "
        "deadline to extend; the bot keeps trying to post it."
    ),
    Refusal.BAD_DAYS: "Give the number of days as a whole number from 1 to {limit}.",
    Refusal.PRIVATE: (
        "Sorry, {private_task} for the working group and City of Sanctuary UK staff only. "
        f"If you should be on the roster, ask a member of staff to add you with `{ids.COMMAND} "
        "group add`."
    ),
}
STAFF_TASKS: dict[Task, str] = {
    Task.REGISTER: "registering an application",
    Task.EDIT: "editing an application",
    Task.WITHDRAW: "withdrawing an application",
    Task.DECIDE: "recording a decision",
    Task.RENEW: "starting a renewal application",
    Task.CHANGE_ROSTER: "changing the working-group roster",
    Task.RECORD_ENDORSEMENT: "recording an endorsement given outside Slack",
    Task.LOG_PROGRESS: "logging a council's progress",
    Task.LINK: "recording a member's connections",
    Task.AMEND: "amending a decision",
    Task.END_MEMBERSHIP: "ending a membership",
    Task.EXTEND: "extending a review's deadline",
}
MEMBER_TASKS: dict[Task, str] = {
    Task.VOTE: "vote",
    Task.DECLARE_CONFLICT: "declare a conflict of interest",
    Task.ANSWER_CONNECTION: "answer a connection prompt",
    Task.WITHDRAW_CONFLICT: "withdraw a conflict of interest",
}
PRIVATE_TASKS: dict[Task, str] = {
    Task.SEE_ROSTER: "the roster is",
    Task.SEE_CONTACTS: "an application's contacts are",
}
# The texts a form asks for, by field, as a refusal names them.
TEXTS: dict[str | None, str] = {
    "reason": "a reason",
    "rationale": "the rationale for the decision",
    "no_quorum": "why you are deciding without quorum",
    "question": "your question",
    "note": "how the endorsement was given (a short note after the council's name)",
    "what": "what the council did",
}


def explain(refused: Refused, *, markup: bool = True) -> str:
    """The refusal as the person should read it: mrkdwn, or plain text (`markup=False`)."""

    def name(text: object) -> str:
        cut = truncate(str(text), 150)
        return mrkdwn(cut) if markup else cut

    detail: dict[str, Any] = refused.detail
    number, task, council = detail.get("number"), detail.get("task", ""), detail.get("council")
    facts = detail | {
        "staff_task": STAFF_TASKS.get(task, ""),
        "member_task": MEMBER_TASKS.get(task, ""),
        "private_task": PRIVATE_TASKS.get(task, "that is"),
        "what": f"{detail.get('thing')} #{number}" if number else f"that {detail.get('thing')}",
        "status": str(detail.get("status", "")).replace("_", " "),
        "outcome": str(detail.get("outcome", "")).replace("_", " "),
        "council": name(council or ""),
        "council_note": f" ({name(council)})" if council else "",
        "keyword": name(detail.get("keyword", "")),
        "who": mention(str(detail.get("user", ""))),
        "endorser_note": (
            f" ({mention(str(detail['endorser']))})" if detail.get("endorser") and markup else ""
        ),
        "text": TEXTS.get(refused.field, "a reason"),
        "missing": "; ".join(detail.get("missing", ())),
        "problems": " ".join(detail.get("problems", {}).values()),
        "connected_to": name(detail.get("connected_to", "")),
        "words": name(detail.get("words", "")),
        "choices": ", ".join(name(c) for c in detail.get("choices", ())),
        "choices_note": (
            " (it could be " + ", ".join(name(c) for c in detail["choices"]) + ")"
            if detail.get("choices")
            else ""
        ),
        "usage": name(detail.get("usage", "")),
    }
    return WORDINGS[refused.reason].format_map(facts)


# What a person typed, shown back under an error so that a long reason is not lost.
TYPED_LIMIT = 2800


def keeping_typed(text: str, blocks: Sequence[Block] | None, typed: str) -> list[Block]:
    """An answer to a command (`text`, mrkdwn, or its `blocks`) with, under it, the command as
    it was typed, to copy and correct: Slack does not give the typed words back."""
    shown = with_mentions(truncate(typed, TYPED_LIMIT))
    return [
        *(blocks or [SectionBlock(text=MarkdownTextObject(text=text))]),
        ContextBlock(elements=[MarkdownTextObject(text=f"You typed: {shown}")]),
    ]
