"""Registering an application (DESIGN.md section 2): the form, its validation, and storing it.

`ApplicationForm.parse` reads a modal's `state.values`; `validate` says what is wrong, keyed by
the input's block_id (which is the form field's name); `register`, `update_evidence` and
`withdraw` change the database and write the audit log. No Slack objects here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import councils, ids
from bot.domain.councils import LOCAL_PREFIX
from bot.domain.escape import clean
from bot.domain.terms import TERM_YEARS, years_later
from bot.services import audit
from bot.services.applications import NotFound
from models.dialect import insert_for
from models.tables import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    ContactOfficer,
    Council,
    Membership,
    ReviewRound,
    StrategyKind,
)

OPEN_STATUSES = (ApplicationStatus.UNDER_REVIEW, ApplicationStatus.FURTHER_WORK)
OFFICER_SLOTS = 3

# Longest text accepted per field: keeps every post and modal within Block Kit's limits.
LIMITS: dict[str, int] = {
    ids.COUNCIL_OTHER_BLOCK: 150,
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
}

_EMAIL = re.compile(r"^[^@\s<>|,;:\"()\[\]]+@[^@\s<>|,;:\"()\[\]]+\.[^@\s<>|,;:\"()\[\]]{2,}$")
_URL_FORBIDDEN = re.compile(r"[\s<>|\"]")


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

    @classmethod
    def parse(cls, values: Mapping[str, Mapping[str, Any]]) -> ApplicationForm:
        """Read a view's `state.values` (block_id -> action_id -> element state)."""
        found: dict[str, Any] = {}
        for block_id, actions in values.items():
            for state in actions.values():
                if not isinstance(state, Mapping):
                    continue
                if block_id == ids.COUNCIL_BLOCK:
                    option = state.get("selected_option")
                    if isinstance(option, Mapping):
                        found["council_code"] = str(option.get("value") or "") or None
                        text = option.get("text")
                        if isinstance(text, Mapping):
                            found["council_label"] = str(text.get("text") or "") or None
                elif "selected_date" in state:
                    found[block_id] = _date(state.get("selected_date"))
                elif "selected_option" in state:
                    option = state.get("selected_option")
                    found[block_id] = (
                        str(option.get("value") or "") if isinstance(option, Mapping) else ""
                    )
                elif "value" in state:
                    found[block_id] = clean(str(state.get("value") or "")).strip()
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in found.items() if k in known})

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
        for name in ("joint_work_url", "endorsement_url"):
            values[name] = values[name] or None
        return values


_DATE_FIELDS = frozenset(
    {"motion_date", "charter_date", "endorsement_date", "strategy_start", "strategy_end"}
)


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _date(value: Any) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def is_http_url(value: str) -> bool:
    """An absolute http(s) URL with a host, and nothing that could break a Slack link."""
    if _URL_FORBIDDEN.search(value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    host = parts.hostname or ""
    return parts.scheme in ("http", "https") and "." in host and not host.startswith(".")


def is_email(value: str) -> bool:
    return bool(_EMAIL.match(value))


def validate(form: ApplicationForm, today: date, *, with_council: bool = True) -> dict[str, str]:
    """What is wrong with the form, as {block_id: message}; empty when it can be registered."""
    errors: dict[str, str] = {}

    def need(name: str, message: str) -> None:
        if not getattr(form, name) and name not in errors:
            errors[name] = message

    def past(name: str, what: str) -> None:
        value = getattr(form, name)
        if value is None:
            errors.setdefault(name, f"Pick the date the {what}.")
        elif value > today:
            errors.setdefault(name, f"The {what} cannot be in the future (today is {_day(today)}).")

    def url(name: str, required: bool, what: str) -> None:
        value = getattr(form, name)
        if not value:
            if required:
                errors.setdefault(name, f"Give the link to {what}.")
        elif not is_http_url(value):
            errors.setdefault(name, "Give a full web address starting with https:// (or http://).")

    def email(name: str, whose: str) -> None:
        value = getattr(form, name)
        if not value:
            errors.setdefault(name, f"Give {whose} email address.")
        elif not is_email(value):
            errors.setdefault(name, "This does not look like an email address (name@example.org).")

    for name, limit in LIMITS.items():
        value = getattr(form, name)
        if len(value) > limit:
            errors[name] = f"Please keep this under {limit} characters (it has {len(value)})."

    if with_council:
        picked, typed = form.council_code, form.council_other
        if picked and typed:
            errors[ids.COUNCIL_OTHER_BLOCK] = (
                "Pick the council from the list or type a town/parish council, not both."
            )
        elif not picked and not typed:
            errors[ids.COUNCIL_BLOCK] = (
                "Pick the council from the list (start typing its name), or type a town or "
                "parish council that is not on the list below."
            )
        elif picked and councils.by_gss(picked) is None:
            errors[ids.COUNCIL_BLOCK] = "That council is not on the list any more: pick it again."
        elif typed and not councils.core(typed):
            errors[ids.COUNCIL_OTHER_BLOCK] = "Type the council's name."

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
    if form.strategy_start is not None and form.strategy_end is not None:
        earliest_end = years_later(form.strategy_start, TERM_YEARS)
        if form.strategy_end < earliest_end:
            errors.setdefault(
                "strategy_end",
                f"The strategy must commit for at least three years: end on or after "
                f"{_day(earliest_end)}.",
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
    return errors


class RegistrationRefused(Exception):
    """The form is valid but cannot be registered; `block_id` says which field to blame."""

    def __init__(self, block_id: str, message: str) -> None:
        super().__init__(message)
        self.block_id = block_id
        self.message = message


async def _council_for(session: AsyncSession, form: ApplicationForm, now: datetime) -> Council:
    if form.council_code:
        authority = councils.by_gss(form.council_code)
        if authority is None:
            raise RegistrationRefused(ids.COUNCIL_BLOCK, "That council is not on the list.")
        values: dict[str, Any] = {
            "code": authority.gss,
            "name": authority.name,
            "authority_type": authority.authority_type or None,
            "nation": authority.nation or None,
            "region": authority.region or None,
        }
    else:
        values = {"code": councils.local_code(form.council_other), "name": form.council_other}
    # Insert-if-absent: two registrations of a new council at once must not collide.
    await session.exec(
        insert_for(session, Council).values(**values, created_at=now).on_conflict_do_nothing()
    )
    council = (
        await session.exec(select(Council).where(Council.code == values["code"]).with_for_update())
    ).one()
    return council


async def open_application(session: AsyncSession, council_id: int) -> Application | None:
    """The council's application still under review or waiting for further work, if any."""
    return (
        await session.exec(
            select(Application)
            .where(
                Application.council_id == council_id,
                col(Application.status).in_(list(OPEN_STATUSES)),
            )
            .order_by(col(Application.id).desc())
        )
    ).first()


async def latest_membership(session: AsyncSession, council_id: int) -> Membership | None:
    return (
        await session.exec(
            select(Membership)
            .where(Membership.council_id == council_id)
            .order_by(col(Membership.ends_on).desc(), col(Membership.id).desc())
        )
    ).first()


def _officer_rows(application_id: int, form: ApplicationForm) -> list[ContactOfficer]:
    return [
        ContactOfficer(
            application_id=application_id,
            position=position,
            name=officer.name,
            role=officer.role,
            email=officer.email,
        )
        for position, officer in enumerate(form.officers())
    ]


async def register_application(
    session: AsyncSession, form: ApplicationForm, *, actor: str, now: datetime
) -> Application:
    """Store a validated application with its round 1 (not yet posted) and audit it.

    Raises RegistrationRefused when the council already has an open application.
    """
    council = await _council_for(session, form, now)
    assert council.id is not None
    existing = await open_application(session, council.id)
    if existing is not None:
        field = ids.COUNCIL_BLOCK if form.council_code else ids.COUNCIL_OTHER_BLOCK
        raise RegistrationRefused(
            field,
            f"{council.name} already has an open application (#{existing.id}, "
            f"{existing.status.replace('_', ' ')}). Edit that one from its post, or withdraw it "
            f"first.",
        )
    renewing = await latest_membership(session, council.id)
    application = Application(
        council_id=council.id,
        kind=ApplicationKind.RENEWAL if renewing is not None else ApplicationKind.NEW,
        renewal_of_id=renewing.id if renewing is not None else None,
        status=ApplicationStatus.UNDER_REVIEW,
        current_round=1,
        registered_by=actor,
        registered_at=now,
        updated_at=now,
        **form.evidence(),
    )
    session.add(application)
    await session.flush()
    assert application.id is not None
    session.add_all(_officer_rows(application.id, form))
    session.add(ReviewRound(application_id=application.id, number=1, opened_at=now))
    audit.record(
        session,
        at=now,
        actor=actor,
        action="application.registered",
        council_id=council.id,
        application_id=application.id,
        council=council.name,
        code=council.code,
        kind=application.kind,
        renewal_of=application.renewal_of_id,
    )
    await session.flush()
    return application


@dataclass(frozen=True)
class EvidenceUpdate:
    application: Application
    council: Council
    changed: tuple[str, ...]  # field names
    opened_round: int | None  # the new round's number, when further work was asked for

    @property
    def changed_labels(self) -> str:
        labels = [EVIDENCE_LABELS.get(name, name.replace("_", " ")) for name in self.changed]
        return ", ".join(labels) if labels else "no field changed"


async def _load_open(session: AsyncSession, application_id: int) -> tuple[Application, Council]:
    application = (
        await session.exec(
            select(Application).where(Application.id == application_id).with_for_update()
        )
    ).first()
    if application is None:
        raise NotFound(f"There is no application #{application_id}.")
    council = await session.get(Council, application.council_id)
    assert council is not None
    if application.status not in OPEN_STATUSES:
        raise RegistrationRefused(
            "motion_date",
            f"Application #{application_id} ({council.name}) is "
            f"{application.status.replace('_', ' ')}: it can no longer be changed.",
        )
    return application, council


async def update_evidence(
    session: AsyncSession,
    application_id: int,
    form: ApplicationForm,
    *,
    actor: str,
    now: datetime,
) -> EvidenceUpdate:
    """Save edited evidence; when further work was requested, open the next review round."""
    application, council = await _load_open(session, application_id)
    officers = list(
        (
            await session.exec(
                select(ContactOfficer)
                .where(ContactOfficer.application_id == application_id)
                .order_by(col(ContactOfficer.position))
            )
        ).all()
    )
    before = ApplicationForm.of_application(application, officers)
    after = replace(form, council_code=None, council_label=None, council_other="")
    changed = [
        f.name
        for f in fields(ApplicationForm)
        if f.name not in ("council_code", "council_label", "council_other")
        and getattr(before, f.name) != getattr(after, f.name)
    ]
    # Officer slots are reported once each, not per part.
    reported: list[str] = []
    for name in changed:
        label = name.split("_")[0] if name.startswith("officer") else name
        if label not in reported:
            reported.append(label)
    if not changed and application.status == ApplicationStatus.FURTHER_WORK:
        # A new round restarts the voting: only updated evidence may do that.
        raise RegistrationRefused(
            "motion_date",
            "Nothing was changed. Update the evidence the working group asked about, then save "
            "to open the next round of review.",
        )
    for name, value in form.evidence().items():
        setattr(application, name, value)
    application.updated_at = now
    if any(name.startswith("officer") for name in changed):
        for officer in officers:
            await session.delete(officer)
        await session.flush()
        session.add_all(_officer_rows(application_id, form))
    opened: int | None = None
    if application.status == ApplicationStatus.FURTHER_WORK:
        previous = (
            await session.exec(
                select(ReviewRound).where(
                    ReviewRound.application_id == application_id,
                    ReviewRound.number == application.current_round,
                )
            )
        ).first()
        if previous is not None and previous.closed_at is None:
            previous.closed_at = now
            session.add(previous)
        application.current_round += 1
        application.status = ApplicationStatus.UNDER_REVIEW
        opened = application.current_round
        session.add(ReviewRound(application_id=application_id, number=opened, opened_at=now))
    session.add(application)
    audit.record(
        session,
        at=now,
        actor=actor,
        action="application.updated",
        council_id=council.id,
        application_id=application_id,
        changed=reported,
    )
    if opened is not None:
        audit.record(
            session,
            at=now,
            actor=actor,
            action="round.opened",
            council_id=council.id,
            application_id=application_id,
            round=opened,
            changed=reported,
        )
    await session.flush()
    return EvidenceUpdate(application, council, tuple(reported), opened)


async def withdraw(
    session: AsyncSession, application_id: int, *, actor: str, now: datetime, reason: str = ""
) -> tuple[Application, Council]:
    """Withdraw an open application; its current round closes."""
    application, council = await _load_open(session, application_id)
    application.status = ApplicationStatus.WITHDRAWN
    application.updated_at = now
    session.add(application)
    current = (
        await session.exec(
            select(ReviewRound).where(
                ReviewRound.application_id == application_id,
                ReviewRound.number == application.current_round,
            )
        )
    ).first()
    if current is not None and current.closed_at is None:
        current.closed_at = now
        session.add(current)
    audit.record(
        session,
        at=now,
        actor=actor,
        action="application.withdrawn",
        council_id=council.id,
        application_id=application_id,
        reason=reason or None,
    )
    await session.flush()
    return application, council


async def renewal_form(
    session: AsyncSession, membership_id: int
) -> tuple[Council, ApplicationForm]:
    """The registration form for renewing a membership, prefilled with the term's evidence.

    Staff then change only what changed. An imported membership has no application behind it,
    so only the council (and the strategy link) can be filled in. Raises NotFound.
    """
    membership = await session.get(Membership, membership_id)
    if membership is None:
        raise NotFound(f"There is no membership #{membership_id}.")
    council = await session.get(Council, membership.council_id)
    assert council is not None
    application = (
        await session.get(Application, membership.application_id)
        if membership.application_id is not None
        else None
    )
    if application is not None:
        officers = (
            await session.exec(
                select(ContactOfficer)
                .where(ContactOfficer.application_id == application.id)
                .order_by(col(ContactOfficer.position))
            )
        ).all()
        form = ApplicationForm.of_application(application, list(officers))
    else:
        form = ApplicationForm(strategy_url=membership.strategy_url or "")
    if council.code.startswith(LOCAL_PREFIX):
        form = replace(form, council_other=council.name)
    else:
        form = replace(form, council_code=council.code, council_label=council.name)
    return council, form
