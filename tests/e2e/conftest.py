"""Fixtures of the end-to-end tests that run `sanctuary-bot` as a real process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.standin import CHANNEL_ID, SlackStandIn
from tests.conftest import SIGNING_SECRET, STAFF
from tests.e2e.helpers_process import Bot, free_port


@pytest.fixture
def process_env(standin: SlackStandIn, database_url: str) -> dict[str, str]:
    """A good HTTP-mode configuration against the stand-in, on the test database."""
    standin.add_user(STAFF, "Alex Staff")
    return {
        "SLACK_BOT_TOKEN": "xoxb-standin-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SANCTUARY_CHANNEL": CHANNEL_ID,
        "SANCTUARY_STAFF": STAFF,
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": database_url,  # migrated: SQLite, or PostgreSQL if TEST_DATABASE_URL
        "PORT": str(free_port()),
    }


@pytest.fixture
async def process(tmp_path: Path, process_env: dict[str, str]) -> AsyncIterator[Bot]:
    """`sanctuary-bot` in tmp_path, with a good HTTP-mode configuration (`.env` to change)."""
    bot = Bot(tmp_path, process_env)
    yield bot
    await bot.kill()
