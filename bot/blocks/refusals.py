"""A service's refusal in words: one wording per reason, for a message or for a form's field.

Messages are mrkdwn, so names are escaped there; a form's error is plain text, so they are not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.blocks.mentions import mention
from bot.domain import ids
from bot.domain.constituencies import CONSTITUENCIES
from bot.domain.escape import mrkdwn, truncate
from bot.domain.refusals import Refusal, Refused, Task

STAFF_TASKS: dict[Task, str] = {
    Task.REGISTER: "registering an application",
    Task.EDIT: "editing an application",
    Task.WITHDRAW: "withdrawing an application",
    Task.DECIDE: "recording a decision",
    Task.RENEW: "starting a renewal application",
    Task.CHANGE_ROSTER: "changing the working-group roster",
}
MEMBER_TASKS: dict[Task, str] = {
    Task.VOTE: "vote",
    Task.DECLARE_CONFLICT: "declare a conflict of interest",
}
# The texts a form asks for, as the refusal names them.
TEXTS: dict[str, str] = {
    "reason": "a reason",
    "rationale": "the rationale for the decision",
    "no_quorum": "why you are deciding without quorum",
}


def explain(refused: Refused, *, markup: bool = True) -> str:
    """The refusal as the person should read it: mrkdwn, or plain text (`markup=False`)."""

    def name(text: object) -> str:
        cut = truncate(str(text), 150)
        return mrkdwn(cut) if markup else cut

    return _WORDS[refused.reason](refused.detail | {"field": refused.field}, name)


Name = Callable[[object], str]


def _application(detail: dict[str, Any], name: Name) -> str:
    status = str(detail["status"]).replace("_", " ")
    council = f" ({name(detail['council'])})" if detail.get("council") else ""
    return f"Application #{detail['application']}{council} is {status}"


def _not_found(detail: dict[str, Any], name: Name) -> str:
    number = detail.get("number")
    if number is None:
        return f"I can't find that {detail['thing']}."
    return f"I can't find {detail['thing']} #{number}."


def _decided(detail: dict[str, Any], name: Name) -> str:
    outcome = detail.get("outcome")
    if outcome is None:
        return f"Round {detail['round']} is closed, so its votes are final."
    return (
        f"The decision on round {detail['round']} was already recorded "
        f"({str(outcome).replace('_', ' ')}): a round is decided once, and its votes are final."
    )


def _already_open(detail: dict[str, Any], name: Name) -> str:
    status = str(detail["status"]).replace("_", " ")
    return (
        f"{name(detail['council'])} already has an open application (#{detail['application']}, "
        f"{status}). Edit that one from its post, or withdraw it first."
    )


_WORDS: dict[Refusal, Callable[[dict[str, Any], Name], str]] = {
    Refusal.NOT_STAFF: lambda d, _: (
        f"Sorry, {STAFF_TASKS[d['task']]} is for City of Sanctuary UK staff. If you need it, "
        "ask a member of staff to add you to the staff list."
    ),
    Refusal.NOT_MEMBER: lambda d, _: (
        f"Sorry, only members of the working group can {MEMBER_TASKS[d['task']]}. If you should "
        f"be on the roster, ask a member of staff to add you with `{ids.COMMAND} group add`."
    ),
    Refusal.NOT_FOUND: _not_found,
    Refusal.RECUSED: lambda d, _: (
        "You declared a conflict of interest on this application, so you can't vote on it."
    ),
    Refusal.ALREADY_DECLARED: lambda d, _: (
        "You have already declared a conflict on this application."
    ),
    Refusal.OLD_ROUND: lambda d, _: (
        f"That belongs to an earlier round of this review (round {d['round']}; it is now in "
        f"round {d['current']}). Please use the updated post."
    ),
    Refusal.DECIDED: _decided,
    Refusal.NOT_OPEN: lambda d, name: (
        f"{_application(d, name)}, not under review, so there is nothing to vote on or decide."
    ),
    Refusal.CLOSED: lambda d, name: f"{_application(d, name)}: it can no longer be changed.",
    Refusal.ALREADY_OPEN: _already_open,
    Refusal.NOTHING_CHANGED: lambda d, _: (
        "Nothing was changed. Update the evidence the working group asked about, then save "
        "to open the next round of review."
    ),
    Refusal.INVALID: lambda d, _: " ".join(d["problems"].values()),
    Refusal.NO_OUTCOME: lambda d, _: "Choose the outcome.",
    Refusal.BAD_REASON: lambda d, _: (
        f"Please write {TEXTS.get(d['field'], 'a reason')} (up to {d['limit']} characters)."
    ),
    Refusal.NO_QUORUM: lambda d, _: (
        f"Quorum is not met ({'; '.join(d['missing'])}). Say why you are deciding without it."
    ),
    Refusal.UNKNOWN_KEYWORD: lambda d, name: (
        f"`{name(d['keyword'])}`: There is no constituency with that keyword. Use one of "
        + ", ".join(f"`{k}`" for k in CONSTITUENCIES)
        + "."
    ),
    Refusal.NOT_ON_ROSTER: lambda d, _: (
        f"{mention(d['user'])} is not on the working-group roster, so there is nothing to remove."
    ),
}
