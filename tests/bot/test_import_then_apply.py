"""A council imported from the spreadsheet is the same council when it later applies."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from bot.domain.application_form import ApplicationForm
from bot.domain.importer import parse_import
from bot.services.imports import import_memberships
from bot.services.registration import register_application
from models.db import SessionFactory, transaction
from models.tables import ApplicationKind
from tests import factories
from tests.conftest import STAFF, START

SPREADSHEET = (
    "council,member_since\n"
    "local:Hebden Royd Town Council,2023-06-01\n"
    "Brighton and Hove,2023-06-01\n"
)


@pytest.mark.parametrize(
    "named",
    [
        {"council_other": "Hebden Royd Town Council"},
        {"council_code": "E06000043", "council_label": "Brighton and Hove City Council"},
    ],
)
async def test_an_imported_member_applying_again_is_a_renewal(
    sessions: SessionFactory, named: dict[str, str]
) -> None:
    parsed = parse_import(SPREADSHEET, today=date(2026, 3, 2))
    assert parsed.valid, parsed.problems
    async with transaction(sessions) as session:
        await import_memberships(session, parsed.rows, now=START)

    evidence = factories.evidence(START.date())
    form = replace(
        ApplicationForm(),
        **named,
        **{k: v or "" for k, v in evidence.items() if k in ApplicationForm.__dataclass_fields__},
    )
    form = replace(form, officer1_name="Sam", officer1_role="Officer", officer1_email="s@x.gov.uk")
    # A renewal gives the council's account of its term.
    form = replace(form, term_activity="Welcome events", guidance_response="Updated the plan")
    async with transaction(sessions) as session:
        application = await register_application(
            session, form, actor=STAFF, staff={STAFF}, now=START, timezone=ZoneInfo("Europe/London")
        )
    assert application.kind == ApplicationKind.RENEWAL
    assert application.renewal_of_id is not None
