"""The registration form as a value (DESIGN.md section 2), and the rules it must meet.

Pure: the modal's wire format is bot/blocks/registration_state.py, storing it is
bot/services/registration.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from bot.domain import councils
from bot.domain.dates import day, out_of_range
from bot.domain.links import url_problem
from bot.domain.terms import TERM_YEARS, years_later
from models.tables import Application, ContactOfficer, StrategyKind

OFFICER_SLOTS = 3

# Longest text accepted per field: keeps every post and modal within Block Kit's limits.
LIMITS: dict[str, int] = {
    "council_other": 150,
    "motion_url": 500,
    "group_names": 300,
    "joint_work": 1000,
    "joint_work_url": 500,
    "endorsed_by": 200,
    "endorsement_url": 500,
    "strategy_url": 500,
    "councillor_name": 150,
    "councillor_email": 254,
    "councillor_portfolio": 200,
    **{f"officer{n}_name": 150 for n in range(1, OFFICER_SLOTS + 1)},
    **{f"officer{n}_role": 200 for n in range(1, OFFICER_SLOTS + 1)},
    **{f"officer{n}_email": 254 for n in range(1, OFFICER_SLOTS + 1)},
    # A renewal's account of the term (DESIGN.md section 5).
    "term_activity": 1500,
    "guidance_response": 1500,
}

# The Application columns the form edits, with how people call them (audit, round message).
EVIDENCE_LABELS: dict[str, str] = {
    "motion_date": "motion date",
    "motion_url": "motion link",
    "charter_date": "charter date",
    "group_names": "local group",
    "joint_work": "joint work",
    "joint_work_url": "joint work link",
    "endorsed_by": "endorsed by",
    "endorsement_date": "endorsement date",
    "endorsement_url": "endorsement link",
    "strategy_url": "strategy link",
    "strategy_kind": "strategy kind",
    "strategy_start": "strategy start",
    "strategy_end": "strategy end",
    "councillor_name": "councillor",
    "councillor_email": "councillor email",
    "councillor_portfolio": "councillor portfolio",
    "term_activity": "activity during the term",
    "guidance_response": "response to new guidance",
}
# What a renewal adds: the council's account of the term that is ending.
RENEWAL_FIELDS = ("term_activity", "guidance_response")

_EMAIL = re.compile(r"^[^@\s<>|,;:\"()\[\]]+@[^@\s<>|,;:\"()\[\]]+\.[^@\s<>|,;:\"()\[\]]{2,}$")


@dataclass(frozen=True)
class Officer:
    name: str
    role: str
    email: str


@dataclass(frozen=True)
class ApplicationForm:
    """What the registration modal holds; text stripped, empty fields as "" or None."""

    council_code: str | None = None  # GSS code picked from the list
    council_label: str | None = None  # the picked option's text (to show it again)
    council_other: str = ""  # a town or parish council typed by name
    motion_date: date | None = None
    motion_url: str = ""
    charter_date: date | None = None
    group_names: str = ""
    joint_work: str = ""
    joint_work_url: str = ""
    endorsed_by: str = ""
    endorsement_date: date | None = None
    endorsement_url: str = ""
    strategy_url: str = ""
    strategy_kind: str = ""
    strategy_start: date | None = None
    strategy_end: date | None = None
    councillor_name: str = ""
    councillor_email: str = ""
    councillor_portfolio: str = ""
    officer1_name: str = ""
    officer1_role: str = ""
    officer1_email: str = ""
    officer2_name: str = ""
    officer2_role: str = ""
    officer2_email: str = ""
    officer3_name: str = ""
    officer3_role: str = ""
    officer3_email: str = ""
    term_activity: str = ""  # a renewal: what the council did during its term
    guidance_response: str = ""  # a renewal: how it responded to new guidance

    @classmethod
    def of_application(
        cls, application: Application, officers: tuple[ContactOfficer, ...] | list[ContactOfficer]
    ) -> ApplicationForm:
        """The form prefilled from a stored application (for editing its evidence)."""
        values: dict[str, Any] = {
            name: getattr(application, name) or ("" if name not in _DATE_FIELDS else None)
            for name in EVIDENCE_LABELS
        }
        for position, officer in enumerate(officers[:OFFICER_SLOTS], start=1):
            values[f"officer{position}_name"] = officer.name
            values[f"officer{position}_role"] = officer.role
            values[f"officer{position}_email"] = officer.email
        return cls(**values)

    def officers(self) -> list[Officer]:
        """The officers given (any slot with something in it), in order."""
        found = []
        for n in range(1, OFFICER_SLOTS + 1):
            officer = Officer(
                getattr(self, f"officer{n}_name"),
                getattr(self, f"officer{n}_role"),
                getattr(self, f"officer{n}_email"),
            )
            if officer.name or officer.role or officer.email:
                found.append(officer)
        return found

    def evidence(self) -> dict[str, Any]:
        """The Application column values this form sets."""
        values: dict[str, Any] = {name: getattr(self, name) for name in EVIDENCE_LABELS}
        for name in ("joint_work_url", "endorsement_url", *RENEWAL_FIELDS):
            values[name] = values[name] or None
        return values

    def changes_from(self, before: ApplicationForm) -> tuple[str, ...]:
        """The evidence fields that differ from `before`; an officer slot once (`officer2`)."""
        changed: list[str] = []
        for f in fields(ApplicationForm):
            if f.name in _COUNCIL_FIELDS or getattr(before, f.name) == getattr(self, f.name):
                continue
            name = f.name.split("_")[0] if f.name.startswith("officer") else f.name
            if name not in changed:
                changed.append(name)
        return tuple(changed)


_COUNCIL_FIELDS = frozenset({"council_code", "council_label", "council_other"})
_DATE_FIELDS = frozenset(
    {"motion_date", "charter_date", "endorsement_date", "strategy_start", "strategy_end"}
)


def is_email(value: str) -> bool:
    return bool(_EMAIL.match(value))


def validate(
    form: ApplicationForm, today: date, *, with_council: bool = True, renewal: bool = False
) -> dict[str, str]:
    """What is wrong with the form, as {field: message}; empty when it can be registered.

    A `renewal` also needs the council's account of its term.
    """
    errors: dict[str, str] = {}

    def need(name: str, message: str) -> None:
        if not getattr(form, name) and name not in errors:
            errors[name] = message

    def past(name: str, what: str) -> None:
        value = getattr(form, name)
        if value is None:
            errors.setdefault(name, f"Pick the date the {what}.")
        elif value > today:
            errors.setdefault(name, f"The {what} cannot be in the future (today is {day(today)}).")

    def url(name: str, required: bool, what: str) -> None:
        value = getattr(form, name)
        if not value:
            if required:
                errors.setdefault(name, f"Give the link to {what}.")
        elif (problem := url_problem(value)) is not None:
            errors.setdefault(name, problem)

    def email(name: str, whose: str) -> None:
        value = getattr(form, name)
        if not value:
            errors.setdefault(name, f"Give {whose} email address.")
        elif not is_email(value):
            errors.setdefault(name, "This does not look like an email address (name@example.org).")

    for name in sorted(_DATE_FIELDS):
        value = getattr(form, name)
        problem = out_of_range(value) if value is not None else None
        if problem is not None:
            errors[name] = problem

    for name, limit in LIMITS.items():
        value = getattr(form, name)
        if len(value) > limit:
            errors[name] = f"Please keep this under {limit} characters (it has {len(value)})."

    if with_council:
        picked, typed = form.council_code, form.council_other
        if picked and typed:
            errors["council_other"] = (
                "Pick the council from the list or type a town/parish council, not both."
            )
        elif not picked and not typed:
            errors["council_code"] = (
                "Pick the council from the list (start typing its name), or type a town or "
                "parish council that is not on the list below."
            )
        elif picked and councils.by_gss(picked) is None:
            errors["council_code"] = "That council is not on the list any more: pick it again."
        elif typed and not councils.core(typed):
            errors["council_other"] = "Type the council's name."
        elif typed and (listed := councils.listed_as(typed)):
            names = " or ".join(a.name for a in listed)
            errors["council_other"] = (
                f"{names} is on the official list: pick it in the council field above, and "
                "leave this one empty (it is for town and parish councils not on the list)."
            )

    # 1. Motion
    past("motion_date", "motion was passed")
    url("motion_url", True, "the motion or the minutes")
    # 2. Charter
    past("charter_date", "charter was signed")
    # 3. Local group
    need("group_names", "Name the local City of Sanctuary group and/or refugee networks.")
    need("joint_work", "Describe the joint work with the group.")
    url("joint_work_url", False, "")
    need("endorsed_by", "Say who endorsed the application.")
    past("endorsement_date", "endorsement was given")
    url("endorsement_url", False, "")
    # 4. Strategy
    url("strategy_url", True, "the public strategy")
    if form.strategy_kind not in (StrategyKind.STANDALONE, StrategyKind.PART_OF_BROADER):
        errors.setdefault(
            "strategy_kind", "Say whether the strategy stands alone or is part of a broader one."
        )
    if form.strategy_start is None:
        errors.setdefault("strategy_start", "Pick the date the strategy starts.")
    if form.strategy_end is None:
        errors.setdefault("strategy_end", "Pick the date the strategy ends.")
    if (
        form.strategy_start is not None
        and form.strategy_end is not None
        and not {"strategy_start", "strategy_end"} & errors.keys()
    ):
        earliest_end = years_later(form.strategy_start, TERM_YEARS)
        if form.strategy_end < today:
            errors.setdefault(
                "strategy_end",
                f"The strategy ended on {day(form.strategy_end)}: give the council's current "
                "strategy (one that has not ended yet).",
            )
        elif form.strategy_end < earliest_end:
            errors.setdefault(
                "strategy_end",
                f"The strategy must commit for at least three years: end on or after "
                f"{day(earliest_end)}.",
            )
    # 5. Contacts
    need("councillor_name", "Name the councillor responsible.")
    email("councillor_email", "the councillor's")
    need("councillor_portfolio", "Give the councillor's portfolio.")
    for n in range(1, OFFICER_SLOTS + 1):
        given = any(getattr(form, f"officer{n}_{part}") for part in ("name", "role", "email"))
        if n == 1 or given:
            need(f"officer{n}_name", "Name the council officer.")
            need(f"officer{n}_role", "Give the officer's role.")
            email(f"officer{n}_email", "the officer's")
    # A renewal: the term that is ending
    if renewal:
        need("term_activity", "A renewal says what the council did during its term.")
        need("guidance_response", "A renewal says how the council responded to new guidance.")
    return errors
