"""Why a service refuses what someone asked: one exception, one reason, the facts for the words.

Every rule and permission is checked once, in the service that guards the state, which raises
`Refused`; listeners turn it into words in one place (bot/blocks/refusals.py).
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum, auto
from typing import Any


class Refusal(StrEnum):
    NOT_STAFF = auto()  # task
    NOT_MEMBER = auto()  # task
    NOT_FOUND = auto()  # thing, number (None when the click or form was garbled)
    RECUSED = auto()
    ALREADY_DECLARED = auto()
    OLD_ROUND = auto()  # round, current
    DECIDED = auto()  # round, outcome
    NOT_OPEN = auto()  # application, council, status: not under review
    CLOSED = auto()  # application, council, status: decided or withdrawn, so unchangeable
    ALREADY_OPEN = auto()  # council, application, status
    NOTHING_CHANGED = auto()
    INVALID = auto()  # problems: {field: message} from the form's own rules
    NO_OUTCOME = auto()
    BAD_REASON = auto()  # field, limit: a text that must be written, and fit
    NO_QUORUM = auto()  # missing: what quorum still lacks
    UNKNOWN_KEYWORD = auto()  # keyword
    NOT_ON_ROSTER = auto()  # user
    NOT_ENDORSER = auto()  # endorser: the user named as the endorser (None: nobody in Slack)
    ENDORSER_RECUSED = auto()  # the endorser may not vote on (or declare on) the application
    VOTING_CLOSED = auto()  # round: its deadline has passed
    NOT_POSTED = auto()  # application: not in the channel yet, so no deadline to extend
    BAD_DAYS = auto()  # limit: a number of days from 1 to limit
    PRIVATE = auto()  # task: for the working group and staff only
    CONNECTED = auto()  # application, connected_to: answer the prompt before voting
    NOT_CONNECTED = auto()  # nothing to confirm: not connected to the application
    CONFLICTED_DECIDER = auto()  # council: staff with a conflict may not decide
    NO_CONFLICT = auto()  # council: nothing to withdraw
    CONFLICT_FINAL = auto()  # council: decided (or closed), so the conflict stands
    NOT_REVIEWER = auto()  # user: neither on the roster nor staff, so no connections
    UNKNOWN_CONNECTION = auto()  # words, choices: what to link to is not clear
    NO_SUCH_COUNCIL = auto()  # words
    NO_SUCH_REGION = auto()  # words, choices: the official regions
    NOT_LINKED = auto()  # user, connected_to
    NOT_DECIDED = auto()  # council: no decision to amend
    NO_CURRENT_MEMBERSHIP = auto()  # council
    WHICH_COUNCIL = auto()  # words, choices: the council (and the reason after it) not clear


class Task(StrEnum):
    """What someone tried, where the refusal depends on it (who may do it)."""

    REGISTER = auto()
    EDIT = auto()
    WITHDRAW = auto()
    DECIDE = auto()
    RENEW = auto()
    CHANGE_ROSTER = auto()
    LINK = auto()
    AMEND = auto()
    END_MEMBERSHIP = auto()
    VOTE = auto()
    DECLARE_CONFLICT = auto()
    RECORD_ENDORSEMENT = auto()
    LOG_PROGRESS = auto()
    EXTEND = auto()
    SEE_ROSTER = auto()
    SEE_CONTACTS = auto()
    ANSWER_CONNECTION = auto()
    WITHDRAW_CONFLICT = auto()


class Thing(StrEnum):
    APPLICATION = auto()
    MEMBERSHIP = auto()


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
