"""`sanctuary-bot import FILE.csv`: all or nothing, idempotent, problems by line, --dry-run."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from bot import cli
from bot.services.register import current_members
from models.db import SessionFactory
from models.tables import AuditEntry, Council, Membership

SAMPLE = Path(__file__).parents[2] / "docs" / "import-sample.csv"


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)


async def _counts(sessions: SessionFactory) -> tuple[int, int, int]:
    async with sessions() as session:
        councils = (await session.exec(select(func.count()).select_from(Council))).one()
        memberships = (await session.exec(select(func.count()).select_from(Membership))).one()
        audits = (
            await session.exec(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "membership.imported")
            )
        ).one()
    return councils, memberships, audits


async def _run(*argv: str) -> int:
    return await asyncio.to_thread(cli.main, list(argv))


async def test_import_the_sample_then_again_changes_nothing(
    cli_env: None, sessions: SessionFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await _run("import", str(SAMPLE)) == 0
    out = capsys.readouterr().out
    assert "Imported 5 memberships (4 new councils); 0 already present" in out
    assert await _counts(sessions) == (4, 5, 5)
    async with sessions() as session:
        members = await current_members(session, date(2026, 3, 2))
        leeds_terms = (
            await session.exec(
                select(Membership)
                .join(Council, col(Council.id) == col(Membership.council_id))
                .where(Council.code == "E08000035")
                .order_by(col(Membership.starts_on))
            )
        ).all()
    assert [m.council for m in members] == [
        "City and County of Swansea Council",
        "Hebden Royd Town Council",
        "Leeds City Council",
        "Sheffield City Council",
    ]
    assert next(m for m in members if m.code == "E08000035").since == date(2022, 1, 10)
    assert leeds_terms[0].renewed_by_id == leeds_terms[1].id
    assert all(m.source == "import" for m in leeds_terms)
    assert await _run("import", str(SAMPLE)) == 0
    assert "Imported 0 memberships (0 new councils); 5 already present" in capsys.readouterr().out
    assert await _counts(sessions) == (4, 5, 5)


async def test_dry_run_reports_and_writes_nothing(
    cli_env: None, sessions: SessionFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await _run("import", "--dry-run", str(SAMPLE)) == 0
    out = capsys.readouterr().out
    assert "Would import 5 memberships (4 new councils)" in out and "Nothing was written" in out
    assert await _counts(sessions) == (0, 0, 0)


async def test_one_bad_line_means_nothing_is_written_and_every_problem_is_named(
    cli_env: None, sessions: SessionFactory, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "members.csv"
    bad.write_text(
        "council,member_since\nSheffield,2024-01-01\nAtlantis,2024-01-01\nLeeds,31/02/2024\n",
        encoding="utf-8",
    )
    for argv in (("import", str(bad)), ("import", "--dry-run", str(bad))):
        assert await _run(*argv) == 1
        err = capsys.readouterr().err
        assert f"{bad}: line 3: unknown council 'Atlantis'" in err
        assert f"{bad}: line 4: member_since" in err
        assert "Nothing imported: 2 problems to fix first." in err
    assert await _counts(sessions) == (0, 0, 0)


async def test_progress_bar_for_long_files(
    cli_env: None, sessions: SessionFactory, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rows = "".join(f"local:Parish {i},2024-01-01\n" for i in range(250))
    big = tmp_path / "parishes.csv"
    big.write_text("council,member_since\n" + rows, encoding="utf-8")
    assert await _run("import", str(big)) == 0
    captured = capsys.readouterr()
    assert "250/250" in captured.err and "[####" in captured.err
    assert "Imported 250 memberships" in captured.out
    assert (await _counts(sessions))[1] == 250


async def test_a_missing_file_is_reported(
    cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await _run("import", "no-such.csv") == 2
    assert "cannot read no-such.csv" in capsys.readouterr().err
