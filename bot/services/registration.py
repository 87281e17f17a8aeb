"""Storing registrations (DESIGN.md section 2): register, update the evidence, withdraw, renew.

The form and its rules are bot/domain/application_form.py; the modal's wire format is
bot/blocks/registration_state.py. Each change is checked here (staff only, the form valid, one
open application per council), written and audited in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import councils
from bot.domain.application_form import EVIDENCE_LABELS, ApplicationForm, validate
from bot.domain.config import ReviewRules
from bot.domain.councils import LOCAL_PREFIX
from bot.domain.dates import local_date
from bot.domain.evidence import is_renewal
from bot.domain.refusals import Refusal, Refused, Task, Thing, require_staff
from bot.domain.review import require_open
from bot.services import audit
from bot.services.applications import (
    ApplicationView,
    contact_officers,
    load_view,
    locked_application,
)
from bot.services.rounds import close_current_round
from models.dialect import insert_for
from models.tables import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    ContactOfficer,
    Council,
    Membership,
    ReviewRound,
)

OPEN_STATUSES = [status for status in ApplicationStatus if status.is_open]
DEFAULT_RULES = ReviewRules()


def _require_valid(
    form: ApplicationForm,
    now: datetime,
    timezone: ZoneInfo,
    *,
    with_council: bool = True,
    renewal: bool = False,
) -> None:
    """The form's own rules (bot/domain/application_form.py), on the local date of `now`."""
    problems = validate(form, local_date(now, timezone), with_council=with_council, renewal=renewal)
    if problems:
        raise Refused(Refusal.INVALID, problems=problems)


def _code_of(form: ApplicationForm) -> str | None:
    """The code of the council the form names (its GSS code, or `local:` and its name)."""
    if form.council_code:
        return form.council_code
    if councils.core(form.council_other):
        return councils.local_code(form.council_other)
    return None


async def _council_for(session: AsyncSession, form: ApplicationForm, now: datetime) -> Council:
    """The council the (validated) form names, created on its first application."""
    if form.council_code:
        authority = councils.by_gss(form.council_code)
        assert authority is not None  # validate() refuses a code that is not on the list
        values: dict[str, Any] = {
            "code": authority.gss,
            "name": authority.name,
            "authority_type": authority.authority_type or None,
            "nation": authority.nation or None,
            "region": authority.region or None,
        }
    else:
        values = {"code": _code_of(form), "name": form.council_other}
    # Insert-if-absent: two registrations of a new council at once must not collide.
    await session.exec(
        insert_for(session, Council).values(**values, created_at=now).on_conflict_do_nothing()
    )
    council = (
        await session.exec(select(Council).where(Council.code == values["code"]).with_for_update())
    ).one()
    return council


async def _require_none_open(session: AsyncSession, council: Council, field: str | None) -> None:
    """One open application per council: a second waits until the first is decided."""
    assert council.id is not None
    existing = (
        await session.exec(
            select(Application)
            .where(
                Application.council_id == council.id,
                col(Application.status).in_(OPEN_STATUSES),
            )
            .order_by(col(Application.id).desc())
        )
    ).first()
    if existing is not None:
        raise Refused(
            Refusal.ALREADY_OPEN,
            field=field,
            council=council.name,
            application=existing.id,
            status=existing.status,
        )


async def _term_renewed(
    session: AsyncSession, form: ApplicationForm, today: date, window_months: int
) -> Membership | None:
    """The council's last term, if an application today renews it (DESIGN.md section 5): it
    is running, or ended less than `window_months` before."""
    code = _code_of(form)
    if code is None:
        return None  # no council: validation says so
    latest = (
        await session.exec(
            select(Membership)
            .join(Council, col(Council.id) == col(Membership.council_id))
            .where(Council.code == code)
            .order_by(col(Membership.ends_on).desc(), col(Membership.id).desc())
        )
    ).first()
    if latest is None or not is_renewal(latest.ends_on, today, window_months):
        return None
    return latest


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
    session: AsyncSession,
    form: ApplicationForm,
    *,
    actor: str,
    staff: Collection[str],
    now: datetime,
    timezone: ZoneInfo,
    rules: ReviewRules = DEFAULT_RULES,
) -> Application:
    """Store a new application with its round 1 (not yet posted) and audit it.

    A renewal if the council's last term runs or ended less than `rules.renewal_window_months`
    before; a renewal also needs the council's account of its term. Refused to anyone but
    staff, for a form that breaks a rule, and while the council has an open application.
    """
    require_staff(actor, staff, Task.REGISTER)
    today = local_date(now, timezone)
    renewing = await _term_renewed(session, form, today, rules.renewal_window_months)
    _require_valid(form, now, timezone, renewal=renewing is not None)
    council = await _council_for(session, form, now)
    assert council.id is not None
    await _require_none_open(
        session, council, "council_code" if form.council_code else "council_other"
    )
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
    audit.about(session, application, at=now, actor=actor).record(
        "application.registered",
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
    changed: tuple[str, ...]  # field names, an officer slot once (`officer2`)
    opened_round: int | None  # the new round's number, when further work was asked for

    @property
    def changed_labels(self) -> str:
        labels = [EVIDENCE_LABELS.get(name, name.replace("_", " ")) for name in self.changed]
        return ", ".join(labels) if labels else "no field changed"


async def editable(
    session: AsyncSession, application_id: int, *, actor: str, staff: Collection[str], task: Task
) -> ApplicationView:
    """The application staff are about to edit or withdraw (`task`), if they still may."""
    require_staff(actor, staff, task)
    view = await load_view(session, application_id)
    require_open(view.application, view.council.name)
    return view


async def _locked_open(session: AsyncSession, application_id: int) -> tuple[Application, Council]:
    application = await locked_application(session, application_id)
    council = await session.get(Council, application.council_id)
    assert council is not None
    require_open(application, council.name)
    return application, council


async def update_evidence(
    session: AsyncSession,
    application_id: int,
    form: ApplicationForm,
    *,
    actor: str,
    staff: Collection[str],
    now: datetime,
    timezone: ZoneInfo,
) -> EvidenceUpdate:
    """Save edited evidence; when further work was requested, open the next review round."""
    require_staff(actor, staff, Task.EDIT)
    application, council = await _locked_open(session, application_id)
    renewal = application.kind == ApplicationKind.RENEWAL
    _require_valid(form, now, timezone, with_council=False, renewal=renewal)
    officers = await contact_officers(session, application_id)
    changed = form.changes_from(ApplicationForm.of_application(application, officers))
    if not changed and application.status == ApplicationStatus.FURTHER_WORK:
        # A new round restarts the voting: only updated evidence may do that.
        raise Refused(Refusal.NOTHING_CHANGED)
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
        await close_current_round(session, application, now)
        application.current_round += 1
        application.status = ApplicationStatus.UNDER_REVIEW
        opened = application.current_round
        session.add(ReviewRound(application_id=application_id, number=opened, opened_at=now))
    session.add(application)
    trail = audit.about(session, application, at=now, actor=actor)
    trail.record("application.updated", changed=changed)
    if opened is not None:
        trail.record("round.opened", round=opened, changed=changed)
    await session.flush()
    return EvidenceUpdate(application, council, changed, opened)


async def withdraw(
    session: AsyncSession,
    application_id: int,
    *,
    actor: str,
    staff: Collection[str],
    now: datetime,
    reason: str = "",
) -> tuple[Application, Council]:
    """Withdraw an open application; its current round closes."""
    require_staff(actor, staff, Task.WITHDRAW)
    application, council = await _locked_open(session, application_id)
    application.status = ApplicationStatus.WITHDRAWN
    application.updated_at = now
    session.add(application)
    await close_current_round(session, application, now)
    trail = audit.about(session, application, at=now, actor=actor)
    trail.record("application.withdrawn", reason=reason or None)
    await session.flush()
    return application, council


async def renewal_form(
    session: AsyncSession, membership_id: int, *, actor: str, staff: Collection[str]
) -> ApplicationForm:
    """The registration form for renewing a membership, prefilled with the term's evidence.

    Staff then change only what changed, and give the council's account of the term (never
    prefilled: it is about the term now ending). An imported membership has no application
    behind it, so only the council (and the strategy link) can be filled in. Refused to anyone
    but staff, and while the council has an application under way.
    """
    require_staff(actor, staff, Task.RENEW)
    membership = await session.get(Membership, membership_id)
    if membership is None:
        raise Refused(Refusal.NOT_FOUND, thing=Thing.MEMBERSHIP, number=membership_id)
    council = await session.get(Council, membership.council_id)
    assert council is not None
    await _require_none_open(session, council, None)
    application = (
        await session.get(Application, membership.application_id)
        if membership.application_id is not None
        else None
    )
    if application is not None:
        officers = await contact_officers(session, application.id)
        form = ApplicationForm.of_application(application, officers)
        form = replace(form, term_activity="", guidance_response="")
    else:
        form = ApplicationForm(strategy_url=membership.strategy_url or "")
    if council.code.startswith(LOCAL_PREFIX):
        return replace(form, council_other=council.name)
    return replace(form, council_code=council.code, council_label=council.name)
