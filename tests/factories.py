"""Building domain rows directly, for tests of what comes after registration."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.terms import years_later
from models.tables import (
    Application,
    ApplicationStatus,
    ContactOfficer,
    Council,
    Member,
    ReviewRound,
)


async def council(
    session: AsyncSession,
    *,
    code: str = "E08000019",
    name: str = "Sheffield City Council",
    at: datetime,
) -> Council:
    row = Council(
        code=code,
        name=name,
        authority_type="Metropolitan district",
        nation="England",
        region="Yorkshire and The Humber",
        created_at=at,
    )
    session.add(row)
    await session.flush()
    return row


def evidence(today: date) -> dict[str, Any]:
    """Valid, current evidence for the five criteria, dated relative to `today` (the day it is
    registered): a five-year strategy that began two months ago and outlasts a term starting
    today, an endorsement given a month ago. Nothing in it draws a warning."""
    strategy_start = today - timedelta(days=60)
    return {
        "motion_date": today - timedelta(days=200),
        "motion_url": "https://democracy.example.gov.uk/motion/42",
        "charter_date": today - timedelta(days=150),
        "group_names": "City of Sanctuary Sheffield",
        "joint_work": "Joint welcome events and a refugee week programme.",
        "joint_work_url": None,
        "endorsed_by": "City of Sanctuary Sheffield steering group",
        "endorsement_date": today - timedelta(days=30),
        "endorsement_url": "https://sheffield.cityofsanctuary.org/endorsement",
        "strategy_url": "https://www.example.gov.uk/sanctuary-strategy",
        "strategy_kind": "standalone",
        "strategy_start": strategy_start,
        "strategy_end": years_later(strategy_start, 5),
        "councillor_name": "Cllr Jane Doe",
        "councillor_email": "jane.doe@example.gov.uk",
        "councillor_portfolio": "Communities",
    }


async def application(
    session: AsyncSession,
    *,
    at: datetime,
    council_row: Council | None = None,
    registered_by: str = "U0STAFF001",
    posted: bool = True,
    deadline: timedelta = timedelta(days=14),
    **overrides: Any,
) -> Application:
    """An application under review in round 1 (posted to the channel unless `posted=False`)."""
    council_row = council_row or await council(session, at=at)
    fields = evidence(at.date()) | overrides
    row = Application(
        council_id=council_row.id,  # type: ignore[arg-type]
        status=ApplicationStatus.UNDER_REVIEW,
        registered_by=registered_by,
        registered_at=at,
        updated_at=at,
        channel="C0WORKGRP1" if posted else None,
        message_ts="1700000000.000100" if posted else None,
        **fields,
    )
    session.add(row)
    await session.flush()
    session.add(
        ContactOfficer(
            application_id=row.id,
            position=0,
            name="Sam Officer",
            role="Refugee resettlement lead",
            email="sam.officer@example.gov.uk",
        )
    )  # type: ignore[arg-type]
    session.add(
        ReviewRound(
            application_id=row.id,  # type: ignore[arg-type]
            number=1,
            opened_at=at,
            posted_at=at if posted else None,
            message_ts=row.message_ts,
            deadline_at=at + deadline if posted else None,
        )
    )
    await session.flush()
    return row


async def member(
    session: AsyncSession,
    user_id: str,
    constituency: str,
    *,
    at: datetime,
    added_by: str = "U0STAFF001",
) -> Member:
    row = Member(slack_user_id=user_id, constituency=constituency, added_by=added_by, added_at=at)
    session.add(row)
    await session.flush()
    return row
