"""`/sanctuary history <council>`: the timeline, one human line per audit entry, newest last."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, ContextBlock, HeaderBlock, MarkdownTextObject

from bot.blocks.mentions import mention
from bot.blocks.packing import pack_lines
from bot.domain.dates import day
from bot.domain.escape import link, mrkdwn, truncate
from bot.domain.review import CHOICE_LABELS
from bot.services.history import CHOICE_HIDDEN, SOME_MEMBER, SOME_STAFF, HistoryItem
from models.tables import Council, VoteChoice

MAX_MESSAGE_BLOCKS = 50
MAX_LINES = 150
_OUTCOMES = {
    "approved": "Approved",
    "further_work": "Further work requested",
    "declined": "Declined",
}


def short_moment(value: datetime, tz: ZoneInfo) -> str:
    """`12 Mar 2026 14:05` in the configured timezone."""
    local = value.astimezone(tz)
    return f"{local.day} {local:%b %Y %H:%M}"


def who(actor: str) -> str:
    if actor == "system":
        return "The bot"
    if actor == "cli":
        return "Staff (command line)"
    if actor == SOME_MEMBER:
        return "A member"
    if actor == SOME_STAFF:
        return "Staff"
    return mention(actor)


def _choice(value: Any) -> str:
    try:
        return CHOICE_LABELS[VoteChoice(str(value))]
    except ValueError:
        return mrkdwn(str(value))


def _first(detail: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if detail.get(key) not in (None, ""):
            return detail[key]
    return None


def _date(value: Any) -> str:
    try:
        return day(datetime.fromisoformat(str(value)).date())
    except ValueError:
        return mrkdwn(str(value))


def _round(d: dict[str, Any]) -> str:
    number = _first(d, "round", "round_number")
    return f" (round {mrkdwn(str(number))})" if number is not None else ""


def _vote(a: str, d: dict[str, Any]) -> str:
    if _first(d, "choice", "new_choice") is None:  # who voted what is for staff
        return f"{a} voted{_round(d)}"
    text = f"{a} voted {_choice(_first(d, 'choice', 'new_choice'))}"
    previous = _first(d, "previous", "previous_choice", "was", "old_choice")
    return text + (f" (was {_choice(previous)})" if previous is not None else "")


def _decision(a: str, d: dict[str, Any]) -> str:
    outcome = _first(d, "outcome")
    label = _OUTCOMES.get(str(outcome), mrkdwn(str(outcome))) if outcome else "recorded"
    extra = " without quorum" if _first(d, "without_quorum_reason", "without_quorum") else ""
    return f"{a} recorded the decision: {label}{extra}{_round(d)}"


def _extended(a: str, d: dict[str, Any]) -> str:
    days = _first(d, "days")
    by = f" by {mrkdwn(str(days))} day{'s' if str(days) != '1' else ''}" if days else ""
    reopened = ", reopening voting" if d.get("reopened") else ""
    reason = _first(d, "reason")
    why = f": {mrkdwn(truncate(str(reason), 300))}" if reason else ""
    return f"{a} extended the review{by}{_round(d)}{reopened}{why}"


def _membership(verb: str) -> Callable[[str, dict[str, Any]], str]:
    def line(a: str, d: dict[str, Any]) -> str:
        starts, ends = _first(d, "starts_on"), _first(d, "ends_on")
        span = f" from {_date(starts)} to {_date(ends)}" if starts and ends else ""
        return f"Membership {verb}{span}"

    return line


def _text(d: dict[str, Any], key: str, limit: int = 300) -> str:
    return mrkdwn(truncate(str(d.get(key) or ""), limit))


def _reason(d: dict[str, Any]) -> str:
    """`: “why”`, where the viewer may see why (staff); else nothing."""
    return f": “{_text(d, 'reason', 500)}”" if d.get("reason") else ""


def _user(d: dict[str, Any]) -> str:
    return mention(str(d.get("user") or ""))


def _to(d: dict[str, Any]) -> str:
    kind = str(d.get("kind") or "")
    what = {"region": "the region ", "group": "the local group "}.get(kind, "")
    return what + _text(d, "to")


def _connected(d: dict[str, Any]) -> str:
    return f" (connected to {_text(d, 'connected_to')})" if d.get("connected_to") else ""


def _nag(a: str, d: dict[str, Any]) -> str:
    days = _first(d, "offset_days", "offset", "days")
    if not isinstance(days, int):
        return "Renewal reminder posted"
    if days == 0:
        return "Renewal reminder posted: the membership ends today"
    return f"Renewal reminder posted: {days} days before the membership ends"


def _quoted(d: dict[str, Any], key: str, limit: int = 300) -> str:
    return "“" + mrkdwn(truncate(str(d.get(key) or ""), limit)) + "”"


def _progress(a: str, d: dict[str, Any]) -> str:
    url = d.get("url")
    shown = f" ({link(str(url), 'link')})" if url else ""
    return f"{a} logged the council's progress: {_quoted(d, 'what')}{shown}"


def _check_in(a: str, d: dict[str, Any]) -> str:
    months = d.get("months")
    when = f"{months} months into the term" if isinstance(months, int) else "during the term"
    return f"Check-in posted ({when}): staff invited to log progress"


_LINES: dict[str, Callable[[str, dict[str, Any]], str]] = {
    "application.registered": lambda a, d: (
        f"{a} registered the application" + (" (a renewal)" if d.get("kind") == "renewal" else "")
    ),
    "application.posted": lambda a, d: f"Posted to the working group for review{_round(d)}",
    "application.post_failed": lambda a, d: "Could not post the application to the channel",
    "application.updated": lambda a, d: f"{a} updated the evidence",
    "application.withdrawn": lambda a, d: f"{a} withdrew the application",
    "round.opened": lambda a, d: f"A new round of review opened{_round(d)}",
    "vote.cast": _vote,
    "vote.changed": _vote,
    "vote.withdrawn": lambda a, d: f"{a} withdrew their vote",
    "conflict.endorser_recused": lambda a, d: (
        f"{mention(str(d.get('member') or ''))} is recused: named as the endorser"
    ),
    "endorsement.requested": lambda a, d: (
        f"Asked {mention(str(d.get('endorser') or ''))} by direct message to endorse it"
    ),
    "endorsement.given": lambda a, d: f"{a} endorsed the application for the local group",
    "endorsement.declined": lambda a, d: f"{a} could not endorse the application",
    "endorsement.question": lambda a, d: (
        f"{a} (the endorser) asked staff: {_quoted(d, 'question')}"
        if "question" in d
        else f"{a} (the endorser) asked staff a question (its text was erased on request)"
    ),
    "endorsement.recorded": lambda a, d: (
        f"{a} recorded an endorsement given outside Slack: {_quoted(d, 'note')}"
    ),
    "check_in.sent": _check_in,
    "check_in.skipped": lambda a, d: "A check-in was skipped (a later one went)",
    "check_in.logged": _progress,
    "conflict.declared": lambda a, d: (
        f"{a} declared a conflict of interest and is recused" + _connected(d)
    ),
    "conflict.withdrawn": lambda a, d: f"{a} withdrew their conflict of interest{_reason(d)}",
    "connection.linked": lambda a, d: f"{a} recorded that {_user(d)} is connected to {_to(d)}",
    "connection.unlinked": lambda a, d: f"{a} removed {_user(d)}'s connection to {_to(d)}",
    "connection.prompted": lambda a, d: (
        f"Asked {_user(d)}, connected to {_text(d, 'connected_to')}, to declare a conflict or "
        "confirm they have none"
    ),
    "connection.no_conflict": lambda a, d: (
        f"{a} confirmed they have no conflict of interest (connected to {_text(d, 'connected_to')})"
    ),
    "decision.amended": lambda a, d: f"{a} amended the decision's rationale{_round(d)}{_reason(d)}",
    "membership.ended": lambda a, d: f"{a} ended the membership early{_reason(d)}",
    "comment.added": lambda a, d: f"{a} commented in the thread",
    "comment.edited": lambda a, d: f"{a} edited a comment",
    "comment.deleted": lambda a, d: f"{a} deleted a comment",
    "decision.recorded": _decision,
    "membership.created": _membership("began"),
    "membership.imported": _membership("imported"),
    "renewal.nag_sent": _nag,
    "renewal.nag_skipped": lambda a, d: "A renewal reminder was skipped (a more urgent one went)",
    "reminder.vote_sent": lambda a, d: (
        "Reminded "
        + (mention(str(d["recipient"])) if d.get("recipient") else "members")
        + " to vote"
    ),
    "reminder.quorum_warning_sent": lambda a, d: "Warned the channel that quorum is missing",
    "reminder.ready_to_decide_sent": lambda a, d: (
        "Voting closed at the deadline; told "
        + (mention(str(d["recipient"])) if d.get("recipient") else "staff")
        + " it is ready to decide"
    ),
    "round.extended": _extended,
    "contacts.erased": lambda a, d: (
        "Contact details erased"
        + (" on request" if d.get("on_request") else " (retention period over)")
    ),
    "contacts.shown": lambda a, d: f"{a} looked at the contacts",
    "post.contacts_hidden": lambda a, d: "The post stopped naming the contacts",
    "personal_data.erased": lambda a, d: f"{a} erased personal data on request",
    "council.identity_check": lambda a, d: (
        f"Needs a check by staff: {mrkdwn(str(d.get('reason') or 'see the audit log'))}"
    ),
}


def history_line(item: HistoryItem, tz: ZoneInfo) -> str:
    """`12 Mar 2026 14:05 · @Amira voted Approve (was Abstain)`; a vote whose choice the blind
    tally hides (bot/services/history.py): `@Amira voted`."""
    render = _LINES.get(item.action)
    actor = who(item.actor)
    if item.action in ("vote.cast", "vote.changed") and item.detail.get(CHOICE_HIDDEN):
        what = (
            f"{actor} voted{' again' if item.action == 'vote.changed' else ''}{_round(item.detail)}"
        )
    elif render is None:
        what = f"{actor}: {mrkdwn(item.action.replace('.', ' ').replace('_', ' '))}"
    else:
        what = render(actor, item.detail)
    return f"{short_moment(item.at, tz)} · {what}"


def build_history(
    council: Council, items: list[HistoryItem], *, tz: ZoneInfo
) -> tuple[str, list[Block]]:
    """The whole timeline, newest last; when it is too long, the earliest entries are cut."""
    name = mrkdwn(council.name)
    title = truncate(f"History: {council.name}", 150)
    if not items:
        text = f"Nothing has been recorded about {name} yet."
        return text, [ContextBlock(elements=[MarkdownTextObject(text=text)])]
    lines = [history_line(item, tz) for item in items]
    blocks: list[Block] = [HeaderBlock(text=title)]
    blocks += pack_lines(
        lines,
        max_blocks=MAX_MESSAGE_BLOCKS - 1,
        more=lambda n: f"_…and {n} earlier entr{'ies' if n != 1 else 'y'}_",
        from_end=True,
        max_lines=MAX_LINES,
    )
    text = f"History of {name}: {len(items)} entries, the latest: {lines[-1]}"
    return text, blocks


def build_council_choices(query: str, councils: list[Council]) -> str:
    """Several councils match: ask which (mrkdwn)."""
    shown = "\n".join(f"• {mrkdwn(c.name)} (`{mrkdwn(c.code)}`)" for c in councils[:20])
    more = "\n…and more: type more of the name." if len(councils) > 20 else ""
    return (
        f"Several councils match “{mrkdwn(truncate(query, 80))}”. Which one? "
        f"Type more of the name, or its code:\n{shown}{more}"
    )
