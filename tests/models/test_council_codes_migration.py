"""Revision 0007: councils entered by name are recoded by full name and kind; what cannot be
recoded or split is listed for staff (in the audit log and the upgrade's output)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from models.db import make_engine, make_session_factory
from models.migrate import upgrade
from models.tables import AuditEntry, Council


async def test_a_code_another_council_already_holds_is_left_and_listed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    await upgrade(engine, "0004")
    async with engine.begin() as conn:
        for code, name in (
            ("local:ashley", "Ashley Parish Council"),
            ("local:ashley-parish", "Ashley Parish"),  # the same council, typed without "Council"
            ("local:frome", "Frome Town Council"),
            ("E08000019", "Sheffield City Council"),  # on the list: never touched
        ):
            await conn.execute(
                text(
                    "INSERT INTO council (code, name, created_at) "
                    "VALUES (:code, :name, '2026-03-02 10:00:00')"
                ),
                {"code": code, "name": name},
            )
    with caplog.at_level(logging.WARNING, logger="sanctuary.migrations"):
        await upgrade(engine)
    async with make_session_factory(engine)() as session:
        codes = [c.code for c in (await session.exec(select(Council).order_by(col(Council.id))))]
        checks = (
            await session.exec(
                select(AuditEntry).where(AuditEntry.action == "council.identity_check")
            )
        ).all()
    await engine.dispose()
    assert codes == [
        "local:ashley-parish-council",
        "local:ashley-parish",  # left: its new code is taken
        "local:frome-town-council",
        "E08000019",
    ]
    [check] = checks
    assert check.council_id == 2 and check.actor == "system"
    assert "already has the code local:ashley-parish-council" in json.loads(check.detail)["reason"]
    assert "1 council(s) entered by name need a check by staff" in caplog.text
    assert "Ashley Parish (local:ashley-parish): another council" in caplog.text
