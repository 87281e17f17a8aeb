"""Real bot processes (`sanctuary-bot scan renewals`) sharing one database."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.standin import SlackStandIn
from models.db import make_engine, make_session_factory
from models.migrate import current_revision, head_revision, upgrade
from tests.conftest import SIGNING_SECRET, STAFF, START
from tests.membership_factory import seed

END = date(2026, 6, 30)
NOW = datetime.combine(END - timedelta(days=7), time(10, 0), tzinfo=UTC)


def _env(database_url: str, standin: SlackStandIn) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "SANCTUARY_", "DATABASE_URL", "TEST_DATABASE_URL"))
    }
    env |= {
        "DATABASE_URL": database_url,
        "SLACK_API_URL": standin.api_url,
        "SLACK_BOT_TOKEN": "xoxb-standin-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SANCTUARY_CHANNEL": "C0WORKGRP1",
        "SANCTUARY_STAFF": STAFF,
    }
    return env


async def _scan(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "scan",
        *args,
        env=env,
        cwd=cwd,  # no developer .env is read from here
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def _seed_due(database_url: str, ends: Sequence[date]) -> list[int]:
    engine = make_engine(database_url)
    try:
        sessions = make_session_factory(engine)
        return [
            (await seed(sessions, ends_on=end, at=START, code=f"E0900{i:04d}", name=f"C{i}")).id
            or 0
            for i, end in enumerate(ends)
        ]
    finally:
        await engine.dispose()


async def test_the_scan_command_posts_what_is_due_and_says_so(
    database_url: str, engine: object, standin: SlackStandIn, tmp_path: Path
) -> None:
    [term] = await _seed_due(database_url, [END])
    env = _env(database_url, standin)
    status, out, err = await _scan(env, tmp_path, "renewals", "--now", NOW.isoformat())
    assert status == 0, err
    assert f"sent the 7-day nag for C0 (membership {term}" in out
    assert "skipped the 90-day nag" in out and "skipped the 30-day nag" in out
    assert len(standin.messages()) == 1

    status, out, err = await _scan(env, tmp_path, "all", "--now", NOW.isoformat())
    assert status == 0, err
    assert "[post-renewal-nags]" in out and "nothing due" in out
    assert len(standin.messages()) == 1


@pytest.mark.parametrize(
    "when",
    [
        (END - timedelta(days=7)).isoformat(),  # a date: its start, in SANCTUARY_TIMEZONE
        f"{(END - timedelta(days=7)).isoformat()}T10:00",  # no zone: SANCTUARY_TIMEZONE's
    ],
)
async def test_the_scan_command_takes_a_date_or_a_time_without_a_zone(
    database_url: str, engine: object, standin: SlackStandIn, tmp_path: Path, when: str
) -> None:
    [term] = await _seed_due(database_url, [END])
    env = _env(database_url, standin)
    del env["SLACK_SIGNING_SECRET"]  # scan receives nothing from Slack: no secret needed
    status, out, err = await _scan(env, tmp_path, "renewals", "--now", when)
    assert status == 0, err
    assert f"Renewal nags on {(END - timedelta(days=7)).isoformat()}" in out
    assert f"sent the 7-day nag for C0 (membership {term}" in out
    assert len(standin.messages()) == 1


async def test_scan_all_says_in_sentences_what_each_scan_did(
    database_url: str, engine: object, standin: SlackStandIn, tmp_path: Path
) -> None:
    status, out, err = await _scan(_env(database_url, standin), tmp_path, "all")
    assert status == 0, err
    lines = out.strip().splitlines()
    said = {
        line.split("] ")[0].lstrip("["): line.split("] ", 1)[1] for line in lines if "] " in line
    }
    assert said["post-pending-applications"] == "Nothing was waiting to be posted."
    assert said["erase-lapsed-contacts"] == "No contact details were past the retention period."
    assert said["send-review-reminders"].startswith(
        "0 vote reminder(s) and 0 quorum warning(s) sent; voting closed on 0 application(s)"
    )
    assert said["send-due-connection-prompts"].startswith("0 prompt(s) sent")
    assert said["show-pending-amendments"] == "0 amended decision(s) now shown on their post."
    assert said["forget-old-event-ids"].endswith("forgotten.")
    for sentence in said.values():  # no Python values: [], ReminderReport(...), a bare 0
        assert not re.search(r"\[\]|[A-Z]\w+\(|^\d+$", sentence), sentence


async def test_scan_says_how_to_fix_a_channel_the_bot_is_not_in(
    database_url: str, engine: object, standin: SlackStandIn, tmp_path: Path
) -> None:
    await _seed_due(database_url, [END])
    standin.fail_next("chat.postMessage", error="not_in_channel")
    env = _env(database_url, standin)
    status, out, err = await _scan(env, tmp_path, "renewals", "--now", NOW.isoformat())
    assert status == 0, err
    assert "not_in_channel" in out
    assert "Invite it there with `/invite @Sanctuary Network`" in out


async def test_two_bot_processes_on_one_postgresql_post_each_nag_once(
    postgres_url: str, engine: object, standin: SlackStandIn, tmp_path: Path
) -> None:
    ends = [END + timedelta(days=d) for d in (0, 1, 2, 23, 23, 83)]  # 7/30/90-day nags, all due
    terms = await _seed_due(postgres_url, ends)
    env = _env(postgres_url, standin)
    results = await asyncio.gather(
        *(_scan(env, tmp_path, "renewals", "--now", NOW.isoformat()) for _ in range(2))
    )
    for status, _, err in results:
        assert status == 0, err
    values = [
        element["value"]
        for message in standin.messages()
        for block in message.blocks or []
        for element in block.get("elements", [])
        if element.get("action_id") == "open_renewal"
    ]
    assert sorted(values) == sorted(str(t) for t in terms)  # each once, none lost
    # And again, at once: still nothing twice.
    await asyncio.gather(
        *(_scan(env, tmp_path, "renewals", "--now", NOW.isoformat()) for _ in range(2))
    )
    assert len(standin.messages()) == len(terms)


async def test_two_concurrent_upgrades_of_a_fresh_postgresql_both_succeed(
    postgres_url: str,
) -> None:
    admin = make_engine(postgres_url, isolation_level="AUTOCOMMIT")
    name = f"upgrade_race_{uuid.uuid4().hex[:10]}"
    base, _, _ = postgres_url.rpartition("/")
    fresh_url = f"{base}/{name}"
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    engines = [make_engine(fresh_url) for _ in range(3)]
    try:
        await asyncio.gather(*(upgrade(e) for e in engines))
        assert await current_revision(engines[0]) == head_revision()
    finally:
        for e in engines:
            await e.dispose()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE "{name}"'))
        await admin.dispose()
