"""A small network for the register, history and home tests: members, a lapsed council, contacts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import Application, ApplicationStatus, Council, Membership
from tests import factories

# Every contact detail the factories put on an application: none may reach the public register.
CONTACT_VALUES = (
    "Cllr Jane Doe",
    "jane.doe@example.gov.uk",
    "Communities",
    "Sam Officer",
    "sam.officer@example.gov.uk",
    "Refugee resettlement lead",
)
HOSTILE_NAME = '<script>alert("x")</script> & Sons <!channel>'
HOSTILE_URL = 'https://evil.example/"><script>alert(1)</script>'


@dataclass
class Network:
    sheffield: Council  # member via an approved application (with contacts)
    leeds: Council  # member for a second term, renewed without a gap
    bradford: Council  # lapsed last month
    hostile: Council  # a member whose name and strategy URL are hostile
    sheffield_application: Application


async def membership(
    session: AsyncSession,
    council: Council,
    starts_on: date,
    ends_on: date,
    *,
    at: datetime,
    application: Application | None = None,
    strategy_url: str | None = "https://www.example.gov.uk/strategy",
    source: str = "application",
) -> Membership:
    row = Membership(
        council_id=council.id,  # type: ignore[arg-type]
        application_id=application.id if application else None,
        starts_on=starts_on,
        ends_on=ends_on,
        created_at=at,
        strategy_url=strategy_url,
        source=source,
    )
    session.add(row)
    await session.flush()
    return row


async def seed_network(session: AsyncSession, now: datetime) -> Network:
    today = now.date()
    sheffield = await factories.council(session, at=now)
    application = await factories.application(session, at=now, council_row=sheffield)
    application.status = ApplicationStatus.APPROVED
    await membership(
        session,
        sheffield,
        today - timedelta(days=100),
        today + timedelta(days=900),
        at=now,
        application=application,
        strategy_url=None,  # falls back to the application's strategy
    )
    leeds = await factories.council(session, code="E08000035", name="Leeds City Council", at=now)
    first = await membership(
        session, leeds, date(2022, 1, 10), date(2025, 1, 9), at=now, source="import"
    )
    second = await membership(
        session, leeds, date(2025, 1, 10), date(2028, 1, 9), at=now, source="import"
    )
    first.renewed_by_id = second.id
    bradford = await factories.council(
        session, code="E08000032", name="Bradford Metropolitan District Council", at=now
    )
    await membership(
        session,
        bradford,
        today - timedelta(days=3 * 365 + 30),
        today - timedelta(days=30),
        at=now,
        source="import",
    )
    hostile = await factories.council(session, code="local:hostile", name=HOSTILE_NAME, at=now)
    await membership(
        session,
        hostile,
        today - timedelta(days=10),
        today + timedelta(days=1000),
        at=now,
        strategy_url=HOSTILE_URL,
        source="import",
    )
    await session.flush()
    return Network(sheffield, leeds, bradford, hostile, application)
