"""The registration form: parsing, validation, and the service that stores applications."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from bot.blocks.refusals import explain
from bot.blocks.registration_state import block_id, read_form
from bot.domain.application_form import LIMITS, ApplicationForm, validate
from bot.domain.clock import FixedClock
from bot.domain.refusals import Refused
from bot.services.registration import register_application, update_evidence, withdraw
from models.db import SessionFactory, transaction
from models.tables import Application, AuditEntry, ContactOfficer, Membership, ReviewRound
from tests.conftest import STAFF, STAFF_2

TODAY = date(2026, 3, 2)
TZ = ZoneInfo("Europe/London")
STAFF_LIST = frozenset({STAFF, STAFF_2})


def valid(**changes: object) -> ApplicationForm:
    form = ApplicationForm(
        council_code="E08000019",
        council_label="Sheffield City Council",
        motion_date=TODAY - timedelta(days=200),
        motion_url="https://democracy.example.gov.uk/motion/42",
        charter_date=TODAY - timedelta(days=150),
        group_names="City of Sanctuary Sheffield",
        joint_work="Joint events",
        endorsed_by="Steering group",
        endorsement_date=TODAY,
        strategy_url="https://example.gov.uk/strategy",
        strategy_kind="standalone",
        strategy_start=date(2025, 4, 1),
        strategy_end=date(2028, 4, 1),
        councillor_name="Cllr Jane Doe",
        councillor_email="jane@example.gov.uk",
        councillor_portfolio="Communities",
        officer1_name="Sam Officer",
        officer1_role="Lead",
        officer1_email="sam@example.gov.uk",
    )
    return replace(form, **changes)  # type: ignore[arg-type]


def test_a_complete_form_is_valid() -> None:
    assert validate(valid(), TODAY) == {}


def test_parse_reads_slack_state_values() -> None:
    values = {
        "council": {
            "council_picker": {
                "type": "external_select",
                "selected_option": {
                    "text": {"type": "plain_text", "text": "Sheffield City Council"},
                    "value": "E08000019",
                },
            }
        },
        "motion_date": {"motion_date": {"type": "datepicker", "selected_date": "2025-08-14"}},
        "strategy_kind": {
            "strategy_kind": {
                "type": "radio_buttons",
                "selected_option": {"value": "part_of_broader", "text": {}},
            }
        },
        "joint_work": {"joint_work": {"type": "plain_text_input", "value": "  text  "}},
        "joint_work_url": {"joint_work_url": {"type": "url_text_input", "value": None}},
    }
    form = read_form({"state": {"values": values}})
    assert form.council_code == "E08000019"
    assert form.council_label == "Sheffield City Council"
    assert form.motion_date == date(2025, 8, 14)
    assert form.strategy_kind == "part_of_broader"
    assert form.joint_work == "text"
    assert form.joint_work_url == ""


def test_every_criterion_is_required() -> None:
    errors = {block_id(field): error for field, error in validate(ApplicationForm(), TODAY).items()}
    for block in (
        "council",
        "motion_date",
        "motion_url",
        "charter_date",
        "group_names",
        "joint_work",
        "endorsed_by",
        "endorsement_date",
        "strategy_url",
        "strategy_kind",
        "strategy_start",
        "strategy_end",
        "councillor_name",
        "councillor_email",
        "councillor_portfolio",
        "officer1_name",
        "officer1_role",
        "officer1_email",
    ):
        assert block in errors, block
    assert "officer2_name" not in errors  # optional officers


def test_dates_cannot_be_in_the_future() -> None:
    tomorrow = TODAY + timedelta(days=1)
    errors = validate(
        valid(motion_date=tomorrow, charter_date=tomorrow, endorsement_date=tomorrow), TODAY
    )
    assert set(errors) == {"motion_date", "charter_date", "endorsement_date"}
    assert validate(valid(motion_date=TODAY), TODAY) == {}


def test_strategy_must_run_at_least_three_years() -> None:
    assert "strategy_end" in validate(valid(strategy_end=date(2028, 3, 31)), TODAY)
    assert validate(valid(strategy_end=date(2028, 4, 1)), TODAY) == {}
    leap = valid(strategy_start=date(2024, 2, 29), strategy_end=date(2027, 2, 28))
    assert validate(leap, TODAY) == {}


def test_a_strategy_that_has_ended_is_refused_on_its_end_field() -> None:
    ended = valid(strategy_start=date(2015, 4, 1), strategy_end=date(2018, 4, 1))
    errors = validate(ended, TODAY)
    assert set(errors) == {"strategy_end"}
    assert errors["strategy_end"].startswith("The strategy ended on 1 April 2018")
    assert validate(valid(strategy_start=date(2023, 3, 2), strategy_end=TODAY), TODAY) == {}


def test_a_renewal_also_needs_the_councils_account_of_its_term() -> None:
    assert set(validate(valid(), TODAY, renewal=True)) == {"term_activity", "guidance_response"}
    told = valid(term_activity="Welcome events", guidance_response="Updated the strategy")
    assert validate(told, TODAY, renewal=True) == {}
    assert validate(valid(), TODAY) == {}  # a new application is not asked


def test_urls_and_emails_must_be_well_formed() -> None:
    errors = validate(
        valid(
            motion_url="javascript:alert(1)",
            strategy_url="https://x|y",
            endorsement_url="ftp://example.org/file",
            councillor_email="jane at example",
            officer1_email="<!channel>@x.org",
        ),
        TODAY,
    )
    assert set(errors) == {
        "motion_url",
        "strategy_url",
        "endorsement_url",
        "councillor_email",
        "officer1_email",
    }


def test_a_partly_filled_extra_officer_needs_the_rest() -> None:
    errors = validate(valid(officer2_name="Second Officer"), TODAY)
    assert set(errors) == {"officer2_role", "officer2_email"}


def test_exactly_one_way_of_naming_the_council() -> None:
    assert "council_code" in validate(valid(council_code=None), TODAY)
    assert validate(valid(council_code=None, council_other="Frome Town Council"), TODAY) == {}
    both = validate(valid(council_other="Frome Town Council"), TODAY)
    assert "council_other" in both
    assert validate(valid(council_code=None), TODAY, with_council=False) == {}


@given(st.text(min_size=1, max_size=3000))
def test_any_text_is_either_accepted_within_limits_or_refused(text: str) -> None:
    form = valid(joint_work=text.strip() or "x", group_names=text.strip() or "x")
    errors = validate(form, TODAY)
    for name in ("joint_work", "group_names"):
        if len(getattr(form, name)) > LIMITS[name]:
            assert name in errors
        else:
            assert name not in errors


async def test_register_stores_round_one_and_detects_renewal(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    now = clock.now()
    async with transaction(sessions) as session:
        first = await register_application(
            session, valid(), actor="U0STAFF001", staff=STAFF_LIST, now=now, timezone=TZ
        )
        assert first.kind == "new"
        first.status = "approved"
        session.add(first)
        session.add(
            Membership(
                council_id=first.council_id,
                application_id=first.id,
                starts_on=TODAY,
                ends_on=date(2029, 3, 2),
                created_at=now,
            )
        )
    async with transaction(sessions) as session:
        with pytest.raises(Refused) as refused:  # a renewal gives the council's account of it
            await register_application(
                session, valid(), actor="U0STAFF001", staff=STAFF_LIST, now=now, timezone=TZ
            )
        assert set(refused.value.detail["problems"]) == {"term_activity", "guidance_response"}
    renewal = valid(term_activity="Welcome events", guidance_response="Updated the plan")
    async with transaction(sessions) as session:
        second = await register_application(
            session, renewal, actor="U0STAFF001", staff=STAFF_LIST, now=now, timezone=TZ
        )
        membership = (await session.exec(select(Membership))).one()
        assert second.kind == "renewal" and second.renewal_of_id == membership.id
        assert second.council_id == first.council_id
        rounds = (await session.exec(select(ReviewRound))).all()
        assert [(r.number, r.posted_at) for r in rounds] == [(1, None), (1, None)]
        officers = (await session.exec(select(ContactOfficer))).all()
        assert len(officers) == 2


async def test_second_open_application_refused(sessions: SessionFactory, clock: FixedClock) -> None:
    form = valid(council_code=None, council_other="Frome Town Council")
    async with transaction(sessions) as session:
        await register_application(
            session, form, actor="U0STAFF001", staff=STAFF_LIST, now=clock.now(), timezone=TZ
        )
    try:
        async with transaction(sessions) as session:
            again = replace(form, council_other="frome town council")
            await register_application(
                session, again, actor="U0STAFF001", staff=STAFF_LIST, now=clock.now(), timezone=TZ
            )
    except Refused as refused:
        assert block_id(refused.field or "") == "council_other"
        assert "already has an open application" in explain(refused)
    else:
        raise AssertionError("a second open application was accepted")


async def test_update_and_withdraw_are_audited(sessions: SessionFactory, clock: FixedClock) -> None:
    async with transaction(sessions) as session:
        application = await register_application(
            session, valid(), actor="U0STAFF001", staff=STAFF_LIST, now=clock.now(), timezone=TZ
        )
    assert application.id is not None
    async with transaction(sessions) as session:
        update = await update_evidence(
            session,
            application.id,
            valid(
                joint_work="More", officer2_name="B", officer2_role="R", officer2_email="b@x.org"
            ),
            actor="U0STAFF002",
            staff=STAFF_LIST,
            now=clock.now(),
            timezone=TZ,
        )
        assert update.changed == ("joint_work", "officer2")
        assert update.opened_round is None
    async with transaction(sessions) as session:
        await withdraw(
            session, application.id, actor=STAFF_2, staff=STAFF_LIST, now=clock.now(), reason="r"
        )
    async with sessions() as session:
        stored = await session.get(Application, application.id)
        assert stored is not None and stored.status == "withdrawn"
        actions = (await session.exec(select(AuditEntry.action))).all()
        assert actions == ["application.registered", "application.updated", "application.withdrawn"]
    try:
        async with transaction(sessions) as session:
            await withdraw(
                session, application.id, actor=STAFF_2, staff=STAFF_LIST, now=clock.now()
            )
    except Refused as refused:
        assert "no longer be changed" in explain(refused)
    else:
        raise AssertionError("a withdrawn application was withdrawn again")


async def test_longest_hostile_evidence_still_fits_block_kit(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    from bot.blocks.application import build_application_message
    from bot.services.applications import load_view
    from bot.settings import Settings
    from bot.standin.server import validate_blocks

    url = "https://example.org/?" + "a=&" * 159
    form = valid(
        group_names="&" * LIMITS["group_names"],
        joint_work="<!channel>&" * (LIMITS["joint_work"] // 11),
        joint_work_url=url,
        endorsed_by="<" * LIMITS["endorsed_by"],
        endorsement_url=url,
        motion_url=url,
        strategy_url=url,
    )
    assert validate(form, TODAY) == {}
    async with transaction(sessions) as session:
        application = await register_application(
            session, form, actor="U0STAFF001", staff=STAFF_LIST, now=clock.now(), timezone=TZ
        )
        assert application.id is not None
        view = await load_view(session, application.id)
    settings = Settings()
    _, blocks = build_application_message(
        view, rules=settings.rules, timezone=settings.timezone, now=clock.now()
    )
    as_dicts = [b.to_dict() for b in blocks]
    assert validate_blocks(as_dicts, limit=50) == []
    assert "<!channel>" not in str(as_dicts)


def test_the_modal_reads_back_the_form_it_was_built_from() -> None:
    """Both directions of the wire format agree: every field goes out and comes back."""
    from bot.blocks.registration import build_application_modal
    from bot.standin.client import fill_view_state

    form = valid(
        joint_work_url="https://example.org/joint",
        officer2_name="Second Officer",
        officer2_role="Deputy",
        officer2_email="second@example.gov.uk",
    )
    modal = build_application_modal(form).to_dict()
    assert read_form({"state": {"values": fill_view_state(modal, {})}}) == form
    typed = valid(council_code=None, council_label=None, council_other="Frome Town Council")
    modal = build_application_modal(typed).to_dict()
    assert read_form({"state": {"values": fill_view_state(modal, {})}}) == typed


async def test_only_staff_register_edit_and_withdraw(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    async with transaction(sessions) as session:
        application = await register_application(
            session, valid(), actor=STAFF, staff=STAFF_LIST, now=clock.now(), timezone=TZ
        )
    app_id, now, outsider = application.id, clock.now(), "U0OUTSIDE1"
    assert app_id is not None
    async with sessions() as session:
        for change in (
            register_application(
                session, valid(), actor=outsider, staff=STAFF_LIST, now=now, timezone=TZ
            ),
            update_evidence(
                session, app_id, valid(), actor=outsider, staff=STAFF_LIST, now=now, timezone=TZ
            ),
            withdraw(session, app_id, actor=outsider, staff=STAFF_LIST, now=now),
        ):
            with pytest.raises(Refused) as caught:
                await change
            assert "is for City of Sanctuary UK staff" in explain(caught.value)
        audit = (await session.exec(select(AuditEntry.action))).all()
    assert audit == ["application.registered"]
