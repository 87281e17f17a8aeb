"""Personal data: contacts erased after the retention period; a person's data listed and erased."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import cli
from bot.domain.clock import FixedClock
from bot.sending.context import Deps
from bot.services.personal_data import months_before
from bot.standin import BOT_TOKEN, SlackStandIn
from models.db import SessionFactory, transaction
from models.tables import (
    Application,
    AuditEntry,
    Comment,
    ContactOfficer,
    Council,
    Vote,
)
from scheduler.jobs import JOBS
from scheduler.personal_data import erase_lapsed_contacts
from tests import factories
from tests.network_data import membership


def test_months_before_handles_short_months() -> None:
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 3, 2), 24) == date(2024, 3, 2)


async def _app(
    session: AsyncSession, code: str, name: str, now: datetime, status: str
) -> Application:
    council = await factories.council(session, code=code, name=name, at=now)
    app = await factories.application(session, at=now, council_row=council)
    app.status = status
    return app


async def test_job_erases_contacts_only_after_the_retention_period(
    deps: Deps, sessions: SessionFactory, clock: FixedClock, standin: SlackStandIn
) -> None:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=standin.api_url)
    now = clock.now()
    today = now.date()
    async with transaction(sessions) as session:
        lapsed_long = await _app(session, "E1", "Lapsed long ago", now, "approved")
        lapsed_recent = await _app(session, "E2", "Lapsed lately", now, "approved")
        member = await _app(session, "E3", "Current member", now, "approved")
        declined_old = await _app(session, "E4", "Declined long ago", now, "declined")
        declined_old.updated_at = now - timedelta(days=800)
        under_review = await _app(session, "E5", "Under review", now, "under_review")
        ids = {
            "lapsed_long": lapsed_long.id,
            "lapsed_recent": lapsed_recent.id,
            "member": member.id,
            "declined_old": declined_old.id,
            "under_review": under_review.id,
        }
    async with transaction(sessions) as session:
        for key, ends in (
            ("lapsed_long", today - timedelta(days=800)),
            ("lapsed_recent", today - timedelta(days=300)),
            ("member", today + timedelta(days=300)),
        ):
            app = await session.get(Application, ids[key])
            assert app is not None
            council = await session.get(Council, app.council_id)
            assert council is not None
            await membership(session, council, ends - timedelta(days=1095), ends, at=now)
    assert "erase-lapsed-contacts" in {job.id for job in JOBS}
    erased = await erase_lapsed_contacts(deps, client)
    assert sorted(erased) == sorted([ids["lapsed_long"], ids["declined_old"]])
    assert await erase_lapsed_contacts(deps, client) == []
    async with sessions() as session:
        for key, app_id in ids.items():
            app = await session.get(Application, app_id)
            assert app is not None
            officers = (
                await session.exec(
                    select(ContactOfficer).where(ContactOfficer.application_id == app_id)
                )
            ).all()
            if key in ("lapsed_long", "declined_old"):
                assert app.councillor_email is None and app.councillor_name is None
                assert app.contacts_erased_at == now
                assert officers == []
            else:
                assert app.councillor_email == "jane.doe@example.gov.uk"
                assert len(officers) == 1
        audits = (
            await session.exec(select(AuditEntry).where(AuditEntry.action == "contacts.erased"))
        ).all()
    assert sorted(a.application_id for a in audits) == sorted(erased)  # type: ignore[type-var]
    assert all("jane.doe" not in a.detail for a in audits)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)


async def test_personal_data_lists_and_erases_what_is_no_longer_needed(
    cli_env: None,
    sessions: SessionFactory,
    clock: FixedClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    now = clock.now()
    person = "U0AMIRA001"
    async with transaction(sessions) as session:
        open_app = await _app(session, "E5", "Under review", now, "under_review")
        withdrawn = await _app(session, "E6", "Withdrawn", now, "withdrawn")
        amira = await factories.member(session, person, "lived", at=now)
        session.add(
            Vote(
                application_id=open_app.id,  # type: ignore[arg-type]
                round=1,
                member_id=amira.id,  # type: ignore[arg-type]
                constituency=amira.constituency,
                choice="approve",
                cast_at=now,
            )
        )
        session.add(
            Comment(
                application_id=open_app.id,  # type: ignore[arg-type]
                round=1,
                channel="C0WORKGRP1",
                ts="1700000001.000200",
                slack_user_id=person,
                text="I know the officer personally, a lovely team.",
                posted_at=now,
            )
        )
        open_id, withdrawn_id = open_app.id, withdrawn.id

    assert await asyncio.to_thread(cli.main, ["personal-data", "SAM.OFFICER@example.gov.uk"]) == 0
    out = capsys.readouterr().out
    assert f"officer contact on application #{open_id} (under_review)" in out
    assert f"officer contact on application #{withdrawn_id} (withdrawn)" in out
    async with sessions() as session:  # listing changed nothing
        assert len((await session.exec(select(ContactOfficer))).all()) == 2

    argv = ["personal-data", "jane.doe@example.gov.uk", "--slack", person, "--erase"]
    assert await asyncio.to_thread(cli.main, argv) == 0
    out = capsys.readouterr().out
    erased, kept = out.split("Erased:")[1].split("Kept:")
    assert f"councillor contact on application #{withdrawn_id}" in erased
    assert "the text of 1 comment(s)" in erased
    assert f"application #{open_id}: kept, the application is still being reviewed" in kept
    assert "1 vote(s): kept as the record" in kept
    async with sessions() as session:
        open_row = await session.get(Application, open_id)
        withdrawn_row = await session.get(Application, withdrawn_id)
        comment = (await session.exec(select(Comment))).one()
        votes = (await session.exec(select(Vote))).all()
        audit_rows = (
            await session.exec(
                select(AuditEntry).where(col(AuditEntry.action) == "personal_data.erased")
            )
        ).all()
    assert open_row is not None and open_row.councillor_email == "jane.doe@example.gov.uk"
    assert withdrawn_row is not None and withdrawn_row.councillor_email is None
    assert comment.text is None
    assert len(votes) == 1
    assert len(audit_rows) == 1 and "jane.doe" not in audit_rows[0].detail


async def test_emails_are_matched_case_insensitively_beyond_ascii(
    cli_env: None,
    sessions: SessionFactory,
    clock: FixedClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`ÉLODIE` is found by `élodie` (SQL's lower() folds ASCII only on SQLite, and by locale on
    PostgreSQL), and `STRASSE` by `straße` (only casefold makes ß "ss")."""
    now = clock.now()
    async with transaction(sessions) as session:
        withdrawn = await _app(session, "E6", "Withdrawn", now, "withdrawn")
        withdrawn.councillor_email = "ÉLODIE.MARTIN@example.fr"
        officer = (
            await session.exec(
                select(ContactOfficer).where(ContactOfficer.application_id == withdrawn.id)
            )
        ).one()
        officer.email = "Straße.Amt@example.de"
        session.add_all([withdrawn, officer])
        app_id = withdrawn.id

    assert await asyncio.to_thread(cli.main, ["personal-data", "élodie.martin@example.fr"]) == 0
    assert f"councillor contact on application #{app_id}" in capsys.readouterr().out
    argv = ["personal-data", "STRASSE.AMT@EXAMPLE.DE", "--erase"]
    assert await asyncio.to_thread(cli.main, argv) == 0
    assert (
        f"officer contact on application #{app_id}" in capsys.readouterr().out.split("Erased:")[1]
    )
    argv = ["personal-data", "élodie.martin@example.fr", "--erase"]
    assert await asyncio.to_thread(cli.main, argv) == 0
    async with sessions() as session:
        row = await session.get(Application, app_id)
        officers = (await session.exec(select(ContactOfficer))).all()
    assert row is not None and row.councillor_email is None and officers == []
