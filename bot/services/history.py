"""A council's timeline from the audit log (`/sanctuary history`), as much as the viewer may see
(bot/services/visibility.py): staff everything; members who did what but not who voted what
(their own votes excepted); outsiders the stage and dates only, with no one's name. With the
blind tally, how anyone voted in a round still open is kept from everyone but the voter."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.config import ReviewRules
from bot.domain.review import choices_hidden
from bot.services.visibility import Role, Viewer
from models.tables import Application, AuditEntry, ReviewRound

# Stand-ins for a hidden actor (Slack user ids start with U or W, so they cannot clash).
SOME_MEMBER = "member"
SOME_STAFF = "staff"
# What an outsider sees: the stage and its dates, and of each entry only these facts.
PUBLIC_ACTIONS = frozenset(
    {
        "application.registered",
        "application.posted",
        "application.updated",
        "application.withdrawn",
        "round.opened",
        "round.extended",
        "decision.recorded",
        "membership.created",
        "membership.imported",
        "membership.ended",
        "renewal.nag_sent",
        "renewal.nag_skipped",
        "contacts.erased",
    }
)
# An extension is public as a date (by how many days, whether voting reopened), not its reason.
PUBLIC_DETAIL = frozenset(
    {
        "round",
        "round_number",
        "kind",
        "outcome",
        "starts_on",
        "ends_on",
        "offset_days",
        "days",
        "reopened",
    }
)
VOTES = frozenset({"vote.cast", "vote.changed", "vote.withdrawn"})
# A vote's detail when the blind tally hides its choice: that it was cast, in which round.
CHOICE_HIDDEN = "choice_hidden"
# Who is connected to what, and their answers to the prompts, are for staff.
STAFF_ONLY_ACTIONS = frozenset(
    {
        "contacts.shown",
        "connection.linked",
        "connection.unlinked",
        "connection.prompted",
        "connection.no_conflict",
    }
)
# Kept from members: reasons people wrote, what someone is connected to, earlier texts.
PRIVATE_DETAIL = frozenset({"reason", "connected_to", "previous_rationale"})


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    actor: str
    action: str
    application_id: int | None
    detail: dict[str, Any]


def _detail(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _as_seen(
    item: HistoryItem, who: Viewer, blind: frozenset[tuple[int, int]]
) -> HistoryItem | None:
    """The entry as `who` may see it, or None if they may not see it at all; a vote in a round
    in `blind` (application id, round) without its choice, unless it is the viewer's own."""
    if item.action in VOTES and item.actor != who.user_id and _in(item, blind):
        item = replace(item, detail={"round": item.detail.get("round"), CHOICE_HIDDEN: True})
    if who.role is Role.STAFF:
        return item
    if who.role is Role.OUTSIDER:
        if item.action not in PUBLIC_ACTIONS:
            return None
        actor = item.actor if item.actor in ("system", "cli") else SOME_STAFF
        detail = {k: v for k, v in item.detail.items() if k in PUBLIC_DETAIL}
        if item.detail.get("without_quorum_reason"):
            detail["without_quorum"] = True
        return replace(item, actor=actor, detail=detail)
    if item.action in STAFF_ONLY_ACTIONS:
        return None
    if item.action in VOTES and item.actor != who.user_id:
        return replace(item, actor=SOME_MEMBER, detail={"round": item.detail.get("round")})
    detail = {k: v for k, v in item.detail.items() if k not in PRIVATE_DETAIL}
    if item.action == "reminder.vote_sent" and detail.get("recipient") != who.user_id:
        detail.pop("recipient", None)
    return replace(item, detail=detail)


def _in(item: HistoryItem, rounds: frozenset[tuple[int, int]]) -> bool:
    try:
        return (item.application_id, int(item.detail.get("round", 0))) in rounds
    except (TypeError, ValueError):
        return False


async def council_history(
    session: AsyncSession,
    council_id: int,
    who: Viewer,
    blind: frozenset[tuple[int, int]] = frozenset(),
) -> list[HistoryItem]:
    """Every audit entry about the council or its applications that `who` may see, oldest
    first (one query); in the rounds in `blind` (`rounds_voting_blind`), only the viewer's own
    votes say how they voted."""
    applications = select(Application.id).where(Application.council_id == council_id)
    entries = (
        await session.exec(
            select(AuditEntry)
            .where(
                or_(
                    col(AuditEntry.council_id) == council_id,
                    col(AuditEntry.application_id).in_(applications),
                )
            )
            .order_by(col(AuditEntry.at), col(AuditEntry.id))
        )
    ).all()
    items = (
        _as_seen(
            HistoryItem(e.at, e.actor, e.action, e.application_id, _detail(e.detail)), who, blind
        )
        for e in entries
    )
    return [item for item in items if item is not None]


async def rounds_voting_blind(
    session: AsyncSession, council_id: int, rules: ReviewRules, now: datetime
) -> frozenset[tuple[int, int]]:
    """(application id, round) of the council's rounds whose votes the blind tally still hides:
    the history then says who voted, not how."""
    if not rules.blind_tally:
        return frozenset()
    rounds = (
        await session.exec(
            select(ReviewRound)
            .join(Application, col(Application.id) == col(ReviewRound.application_id))
            .where(Application.council_id == council_id)
        )
    ).all()
    return frozenset((r.application_id, r.number) for r in rounds if choices_hidden(rules, r, now))
