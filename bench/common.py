"""What every benchmark needs: a fresh database, the bot and a bare Bolt app served over HTTP,
signed request bodies built ahead of time, and percentiles."""

from __future__ import annotations

import argparse
import json
import re
import secrets
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.domain.clock import FixedClock
from bot.domain.config import Settings
from bot.runtime import Runtime, start_http
from bot.settings import load_settings, normalise_database_url
from bot.standin import APP_ID, BOT_TOKEN, CHANNEL_ID, TEAM_ID, SlackStandIn
from bot.standin.signing import signed_headers

SIGNING_SECRET = "bench-signing-secret"
STAFF = "U0STAFF001"
# A Monday morning; the seeded data is dated relative to it.
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
FORM = "application/x-www-form-urlencoded"


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument(
        "--database-url",
        default=None,
        help="default: a fresh SQLite file in a temporary folder; with a PostgreSQL URL a "
        "uniquely named database is created on that server (and dropped afterwards)",
    )
    return p


def database_label(url: str | None) -> str:
    return "PostgreSQL" if url and url.startswith("postgres") else "SQLite"


@asynccontextmanager
async def fresh_database(url: str | None) -> AsyncIterator[str]:
    """An empty database for one benchmark run: its async URL (migrated by the bot at start)."""
    if url is None or url.startswith("sqlite"):
        with tempfile.TemporaryDirectory(prefix="sanctuary-bench-") as folder:
            yield f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        return
    server = make_url(normalise_database_url(url))
    name = f"bench_{secrets.token_hex(6)}"
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


def bench_settings(database_url: str, standin: SlackStandIn | None = None) -> Settings:
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SANCTUARY_CHANNEL": CHANNEL_ID,
            "SANCTUARY_STAFF": STAFF,
            "DATABASE_URL": database_url,
        }
    )
    if standin is not None:
        settings = replace(settings, slack_api_url=standin.api_url)
    return settings


async def start_bot(database_url: str, standin: SlackStandIn) -> Runtime:
    """The real bot on a free loopback port, its Web API pointed at the stand-in."""
    return await start_http(
        bench_settings(database_url, standin),
        clock=FixedClock(NOW),
        host="127.0.0.1",
        port=0,
        with_scheduler=False,
    )


@dataclass
class BareApp:
    """A bare AsyncApp whose only listener acks every action: the floor Bolt itself costs."""

    url: str
    runner: web.AppRunner

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start_bare_app(standin: SlackStandIn) -> BareApp:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=standin.api_url)
    app = AsyncApp(client=client, signing_secret=SIGNING_SECRET, name="bare")

    async def just_ack(ack: AsyncAck) -> None:
        await ack()

    app.action(re.compile(".*"))(just_ack)

    async def events(request: web.Request) -> web.Response:
        bolt_response = await app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    web_app = web.Application()
    web_app.router.add_post("/slack/events", events)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return BareApp(url=f"http://127.0.0.1:{runner.addresses[0][1]}", runner=runner)


def vote_click_body(
    standin: SlackStandIn, user: str, action_id: str, value: str, message_ts: str
) -> bytes:
    """A block_actions payload for a vote button on the post, as Slack sends it."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": "standin-verification-token",
        "trigger_id": standin.mint_trigger_id(user, ttl=3600),
        "team": {"id": TEAM_ID, "domain": "standin"},
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "channel": {"id": CHANNEL_ID, "name": "working-group"},
        "response_url": standin.mint_response_url(
            channel=CHANNEL_ID, user=user, message_ts=message_ts
        ),
        "container": {
            "type": "message",
            "channel_id": CHANNEL_ID,
            "message_ts": message_ts,
            "is_ephemeral": False,
        },
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "review",
                "value": value,
                "text": {"type": "plain_text", "text": action_id},
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def signed(body: bytes, content_type: str = FORM) -> dict[str, str]:
    return {"Content-Type": content_type, **signed_headers(SIGNING_SECRET, body)}


def percentile(samples: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `samples`."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table with columns sized to fit."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
