"""In Socket Mode, too, a real `sanctuary-bot run` serves `GET /healthz` and the public register
on `PORT`, so that a container's health check and the organisation's link to `/network` work in
both modes (DESIGN.md section 6)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from bot.standin import SlackStandIn
from models.db import SessionFactory, transaction
from tests.e2e.test_crash import BotProcess
from tests.network_data import seed_network


@pytest.fixture
async def socket_bot(
    database_url: str, standin: SlackStandIn, sessions: SessionFactory, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    async with transaction(sessions) as session:
        await seed_network(session, datetime.now(UTC))  # the process keeps the real time
    bot = BotProcess(database_url, standin, tmp_path, socket_mode=True)
    await bot.start()  # returns once the bot has connected over Socket Mode
    try:
        yield bot
    finally:
        await bot.stop()


async def test_socket_mode_serves_healthz_and_the_public_register_on_port(
    socket_bot: BotProcess,
) -> None:
    assert "SLACK_SIGNING_SECRET" not in socket_bot.env  # Socket Mode needs none
    for _ in range(100):  # the stand-in has seen the connection; the bot says so just after
        if "Connected to Slack in Socket Mode" in socket_bot.log():
            break
        await asyncio.sleep(0.05)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{socket_bot.url}/healthz") as response:
            assert response.status == 200, socket_bot.log()
            assert await response.json() == {"ok": True, "socket": "connected"}
        async with http.get(f"{socket_bot.url}/network") as response:
            assert response.status == 200
            page = await response.text()
        async with http.get(f"{socket_bot.url}/network.json") as response:
            assert response.status == 200
            register = json.loads(await response.text())
        # Slack's requests come over the socket: nothing public answers for them.
        async with http.post(f"{socket_bot.url}/slack/events", data=b"{}") as response:
            assert response.status == 404
    assert "Sheffield City Council" in page and "Leeds City Council" in page
    assert register["count"] == 3
    assert "Leeds City Council" in [m["council"] for m in register["members"]]
