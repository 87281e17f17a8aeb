"""Whether an application's evidence is fresh, whether it is a renewal, and what changed since
the council's last approved application (DESIGN.md sections 2 and 5).

Pure: rows and dates in, values and words out. A strategy that has already ended is refused by
the form's own rules (bot/domain/application_form.py); what is here is accepted, but warned about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.domain.application_form import EVIDENCE_LABELS, RENEWAL_FIELDS
from bot.domain.dates import day
from bot.domain.terms import months_later, term_for_approval
from models.tables import Application, Membership

_CONTACT_FIELDS = frozenset({"councillor_name", "councillor_email", "councillor_portfolio"})
# Compared between a renewal and the application its term was approved on: the evidence, never
# the contacts (the post is read by the whole working group) nor the account of the term.
COMPARED_FIELDS: tuple[str, ...] = tuple(
    name for name in EVIDENCE_LABELS if name not in _CONTACT_FIELDS | set(RENEWAL_FIELDS)
)


def months(n: int) -> str:
    return f"{n} month" if n == 1 else f"{n} months"


def is_renewal(last_day: date, today: date, window_months: int) -> bool:
    """Whether a term whose last day is `last_day` makes an application on `today` a renewal:
    it is still running, or it ended less than `window_months` before."""
    return today < months_later(last_day + timedelta(days=1), window_months)


def membership_would_end(on: date, renewing: Membership | None) -> date:
    """The last day of the term an approval on `on` would create (DESIGN.md section 4)."""
    return term_for_approval(on, renewing)[1]


def evidence_warnings(
    application: Application,
    *,
    on: date,
    renewing: Membership | None,
    endorsement_max_age_months: int,
    until: date | None = None,
) -> list[str]:
    """What staff should know before deciding on `on`: a strategy that will not last the term
    (or has ended since), an endorsement older than `endorsement_max_age_months`, or (with
    `until`, the review's deadline) one that will be older by then."""
    found = []
    term_ends = membership_would_end(on, renewing)
    strategy_end = application.strategy_end
    if strategy_end < on:
        found.append(
            f"The strategy ended on {day(strategy_end)}: ask for the council's current strategy."
        )
    elif strategy_end < term_ends:
        found.append(
            f"The strategy ends on {day(strategy_end)}, before the membership would end "
            f"({day(term_ends)}): ask for the council's next strategy."
        )
    if application.endorsement_date < months_later(on, -endorsement_max_age_months):
        found.append(
            f"The endorsement was given on {day(application.endorsement_date)}, more than "
            f"{months(endorsement_max_age_months)} ago: ask the local group to endorse the "
            "application again."
        )
    elif until is not None and application.endorsement_date < months_later(
        until, -endorsement_max_age_months
    ):
        found.append(
            f"The endorsement was given on {day(application.endorsement_date)}: it will be "
            f"more than {months(endorsement_max_age_months)} old by the review deadline "
            f"({day(until)}): ask the local group to endorse the application again."
        )
    return found


@dataclass(frozen=True)
class Change:
    """One evidence field that differs from the last approved application."""

    name: str
    label: str
    before: Any
    after: Any


def changes_since(before: Application, after: Application) -> list[Change]:
    """The evidence fields of `after` that differ from `before`, in the form's order."""
    changed = []
    for name in COMPARED_FIELDS:
        old, new = getattr(before, name) or None, getattr(after, name) or None
        if old != new:
            changed.append(Change(name, EVIDENCE_LABELS[name], old, new))
    return changed
