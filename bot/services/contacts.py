"""An application's contacts (the councillor and officers), shown on request to the working
group and staff only, each showing audited (DESIGN.md section 4, "Who sees what"). The channel
post never carries them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.refusals import Refusal, Refused, Task, Thing
from bot.services import audit
from bot.services.applications import contact_officers
from bot.services.visibility import require_group, viewer
from models.tables import Application, ContactOfficer, Council


@dataclass(frozen=True)
class Contact:
    role: str  # "Councillor" or "Officer"
    name: str
    job: str  # the councillor's portfolio, the officer's role
    email: str


@dataclass(frozen=True)
class ApplicationContacts:
    application_id: int
    council: str
    contacts: tuple[Contact, ...]
    erased_by_retention: bool


@dataclass(frozen=True)
class ContactsSummary:
    """What the post says about the contacts: how many, never who."""

    councillor: bool
    officers: int
    erased_by_retention: bool

    @property
    def any(self) -> bool:
        return self.councillor or self.officers > 0


def summary(application: Application, officers: Collection[ContactOfficer]) -> ContactsSummary:
    return ContactsSummary(
        councillor=bool(application.councillor_email or application.councillor_name),
        officers=len(officers),
        erased_by_retention=application.contacts_erased_at is not None,
    )


async def show_contacts(
    session: AsyncSession,
    application_id: int,
    *,
    user_id: str,
    staff: Collection[str],
    now: datetime,
) -> ApplicationContacts:
    """The contacts, for a member of the working group or staff (audited); Refused otherwise."""
    require_group(await viewer(session, user_id, staff), Task.SEE_CONTACTS)
    application = await session.get(Application, application_id)
    if application is None:
        raise Refused(Refusal.NOT_FOUND, thing=Thing.APPLICATION, number=application_id)
    council = await session.get(Council, application.council_id)
    contacts: list[Contact] = []
    if application.councillor_email or application.councillor_name:
        contacts.append(
            Contact(
                "Councillor",
                application.councillor_name or "",
                application.councillor_portfolio or "",
                application.councillor_email or "",
            )
        )
    officers = await contact_officers(session, application_id)
    contacts += [Contact("Officer", o.name, o.role, o.email) for o in officers]
    trail = audit.about(session, application, at=now, actor=user_id)
    trail.record("contacts.shown", contacts=len(contacts))
    return ApplicationContacts(
        application_id,
        council.name if council is not None else "",
        tuple(contacts),
        erased_by_retention=application.contacts_erased_at is not None,
    )
