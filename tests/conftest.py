"""Fixtures shared by the whole suite.

Database tests run on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set. Each test
gets an empty, fully migrated database: on SQLite a copy of a migrated template file, on
PostgreSQL the shared test database with every table truncated.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.clock import FixedClock
from bot.domain.config import Settings
from bot.runtime import Runtime, start_http
from bot.sending.context import Deps
from bot.settings import load_settings, normalise_database_url
from bot.standin import SignedSlackClient, SlackStandIn
from models.db import SessionFactory, make_engine, make_session_factory
from models.migrate import upgrade
from models.tables import metadata

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
NEEDS_POSTGRES = (
    "needs PostgreSQL: set TEST_DATABASE_URL (CI starts one with scripts/pg-test-server)"
)

STAFF = "U0STAFF001"
STAFF_2 = "U0STAFF002"
OUTSIDER = "U0OUTSIDE1"
SIGNING_SECRET = "test-signing-secret"
# A Monday morning in term time; time-dependent rules are tested from here.
START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def pytest_report_header() -> str:
    if POSTGRES_URL:
        return f"database: PostgreSQL at {POSTGRES_URL}"
    return "database: SQLite (set TEST_DATABASE_URL to run on PostgreSQL too)"


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"

    async def build() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(build())
    # Fold the write-ahead log into the file, so that copying the one file copies everything.
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(scope="session")
def _postgres_migrated() -> str:
    assert POSTGRES_URL is not None
    url = normalise_database_url(POSTGRES_URL)

    async def build() -> None:
        engine = make_engine(url)
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(build())
    return url


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database for this test."""
    if POSTGRES_URL:
        yield request.getfixturevalue("_postgres_migrated")
        return
    template: Path = request.getfixturevalue("_sqlite_template")
    path = tmp_path / "sanctuary.db"
    shutil.copyfile(template, path)
    yield f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    if engine.dialect.name == "postgresql":
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> SessionFactory:
    return make_session_factory(engine)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-standin-token",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SANCTUARY_CHANNEL": "C0WORKGRP1",
            "SANCTUARY_STAFF": f"{STAFF},{STAFF_2}",
            "DATABASE_URL": database_url,
        }
    )


@pytest.fixture
def deps(settings: Settings, sessions: SessionFactory, clock: FixedClock) -> Deps:
    return Deps(settings=settings, sessions=sessions, clock=clock)


@pytest.fixture
def postgres_url() -> str:
    """For the cases that only make sense on PostgreSQL (several processes on one database)."""
    if not POSTGRES_URL:
        pytest.skip(NEEDS_POSTGRES)
    return normalise_database_url(POSTGRES_URL)


# ---- end to end: the real app over real HTTP, Slack played by the stand-in ------------------

PEOPLE = {
    STAFF: "Alex Staff",
    STAFF_2: "Bea Staff",
    OUTSIDER: "Olly Outsider",
}


@pytest.fixture
async def standin(clock: FixedClock) -> AsyncIterator[SlackStandIn]:
    """Slack, holding the scopes manifest.yml asks for; its message ts follow the bot's clock."""
    async with SlackStandIn(clock=clock) as slack:
        for user_id, name in PEOPLE.items():
            slack.add_user(user_id, name)
        yield slack


@pytest.fixture
async def bot(
    settings: Settings, engine: AsyncEngine, standin: SlackStandIn, clock: FixedClock
) -> AsyncIterator[Runtime]:
    """The bot serving HTTP on a free port, its Web API client pointed at the stand-in."""
    runtime = await start_http(
        replace(settings, slack_api_url=standin.api_url),
        clock=clock,
        host="127.0.0.1",
        port=0,
        with_scheduler=False,
    )
    yield runtime
    await runtime.stop()


@pytest.fixture
async def slack(bot: Runtime, standin: SlackStandIn) -> AsyncIterator[SignedSlackClient]:
    """Sends correctly signed requests to the bot, as Slack does."""
    assert bot.url is not None
    async with SignedSlackClient(bot.url, SIGNING_SECRET, standin) as client:
        yield client
