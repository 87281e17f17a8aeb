"""Why a service refuses what someone asked: one exception, one reason, the facts for the words.

Every rule and permission is checked once, in the service that guards the state, which raises
`Refused`; listeners turn it into words in one place (bot/blocks/refusals.py).
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum
from typing import Any


class Refusal(StrEnum):
    NOT_STAFF = "not_staff"  # task
    NOT_MEMBER = "not_member"  # task
    NOT_FOUND = "not_found"  # thing, number (None when the click or form was garbled)
    RECUSED = "recused"
    ALREADY_DECLARED = "already_declared"
    OLD_ROUND = "old_round"  # round, current
    DECIDED = "decided"  # round, outcome (None when the round closed without a decision)
    NOT_OPEN = "not_open"  # application, council, status: not under review
    CLOSED = "closed"  # application, council, status: decided or withdrawn, so unchangeable
    ALREADY_OPEN = "already_open"  # council, application, status
    NOTHING_CHANGED = "nothing_changed"
    INVALID = "invalid"  # problems: {field: message} from the form's own rules
    NO_OUTCOME = "no_outcome"
    BAD_REASON = "bad_reason"  # field, limit: a text that must be written, and fit
    NO_QUORUM = "no_quorum"  # missing: what quorum still lacks
    UNKNOWN_KEYWORD = "unknown_keyword"  # keyword
    NOT_ON_ROSTER = "not_on_roster"  # user


class Task(StrEnum):
    """What someone tried, where the refusal depends on it (who may do it)."""

    REGISTER = "register"
    EDIT = "edit"
    WITHDRAW = "withdraw"
    DECIDE = "decide"
    RENEW = "renew"
    CHANGE_ROSTER = "change_roster"
    VOTE = "vote"
    DECLARE_CONFLICT = "declare_conflict"


class Thing(StrEnum):
    APPLICATION = "application"
    MEMBERSHIP = "membership"


class Refused(Exception):
    """A service would not do it: `reason`, the form `field` at fault (if any), and `detail`,
    the facts the words need (named in `Refusal`'s comments)."""

    def __init__(self, reason: Refusal, *, field: str | None = None, **detail: Any) -> None:
        super().__init__(reason, field, detail)
        self.reason = reason
        self.field = field
        self.detail = detail


def require_staff(actor: str, staff: Collection[str], task: Task) -> None:
    """Refuse `task` to anyone not on the staff list."""
    if actor not in staff:
        raise Refused(Refusal.NOT_STAFF, task=task)
