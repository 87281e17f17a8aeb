"""A real `sanctuary-bot run` process starting as an administrator meets it on the first day:
a wrong token, a public channel, Slack out of reach, a port in use, a database that cannot be
opened. Each stops the process with one line naming the cause and the fix, or (Slack out of
reach) is tried again quietly until SIGTERM, which stops the process in every state.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.standin import APP_TOKEN, CHANNEL_ID, SlackStandIn
from tests.conftest import SIGNING_SECRET, STAFF

PROJECT = Path(__file__).resolve().parents[2]
BOT = [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]
# What `run` is allowed beyond its drain time (it has nothing to drain in these tests).
STOP_WITHIN_SECONDS = 5.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _example_setting(name: str) -> str:
    """The placeholder `.env.example` gives for `name` (what a hurried administrator leaves)."""
    text = (PROJECT / ".env.example").read_text(encoding="utf-8")
    found = re.search(rf"^#?{name}=(\S+)$", text, re.MULTILINE)
    assert found is not None, f"{name} is not in .env.example"
    return found.group(1)


class Bot:
    """`sanctuary-bot ARGS` in a folder of its own, its output in a file."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder = folder
        self.env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(PROJECT), **env}
        self.process: asyncio.subprocess.Process | None = None
        self.output = folder / "output.log"

    async def start(self, *args: str) -> None:
        with self.output.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                *BOT, *args, cwd=self.folder, env=self.env, stdout=log, stderr=log
            )

    def log(self) -> str:
        return self.output.read_text(errors="replace") if self.output.exists() else ""

    async def exit_status(self, timeout: float = 30.0) -> int:  # noqa: ASYNC109
        assert self.process is not None
        try:
            return await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"still running after {timeout} s:\n{self.log()}") from None

    async def wait_for_output(self, pattern: str, count: int = 1, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while len(re.findall(pattern, self.log())) < count:
            assert self.process is not None
            assert self.process.returncode is None, f"exited early:\n{self.log()}"
            assert time.monotonic() < deadline, f"no {pattern!r} x{count}:\n{self.log()}"
            await asyncio.sleep(0.05)

    async def stop_by_signal(self, sig: int = signal.SIGTERM) -> tuple[int, float]:
        """Send `sig`; the exit status and how long the process took to end."""
        assert self.process is not None
        sent = time.monotonic()
        self.process.send_signal(sig)
        status = await self.exit_status()
        return status, time.monotonic() - sent

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    def error_lines(self) -> list[str]:
        """What the process said to its operator (not the log lines with their timestamps)."""
        return [line for line in self.log().splitlines() if line.startswith("sanctuary-bot:")]


@pytest.fixture
async def folder(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def env(standin: SlackStandIn, tmp_path: Path) -> dict[str, str]:
    """A good HTTP-mode configuration against the stand-in, on a fresh SQLite file."""
    standin.add_user(STAFF, "Alex Staff")
    return {
        "SLACK_BOT_TOKEN": "xoxb-standin-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SANCTUARY_CHANNEL": CHANNEL_ID,
        "SANCTUARY_STAFF": STAFF,
        "SLACK_API_URL": standin.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "PORT": str(_free_port()),
    }


@pytest.fixture
async def bot(tmp_path: Path, env: dict[str, str]) -> AsyncIterator[Bot]:
    process = Bot(tmp_path, env)
    yield process
    await process.kill()


async def _stops_with_one_line(bot: Bot) -> str:
    status = await bot.exit_status()
    assert status != 0, bot.log()
    assert "Traceback" not in bot.log(), bot.log()
    lines = bot.error_lines()
    assert len(lines) == 1, bot.log()
    return lines[0]


# ---- the tokens -------------------------------------------------------------------------------


async def test_the_env_example_placeholder_bot_token_stops_run_naming_the_setting(
    bot: Bot, standin: SlackStandIn
) -> None:
    bot.env["SLACK_BOT_TOKEN"] = _example_setting("SLACK_BOT_TOKEN")
    await bot.start("run")
    line = await _stops_with_one_line(bot)
    assert "Slack refuses SLACK_BOT_TOKEN (invalid_auth)" in line
    assert "OAuth & Permissions" in line  # where to find the right one
    assert [c.error for c in standin.calls("auth.test")] == ["invalid_auth"]
    assert standin.messages() == []


async def test_a_refused_app_token_stops_socket_mode_naming_the_setting(bot: Bot) -> None:
    del bot.env["SLACK_SIGNING_SECRET"]
    bot.env["SLACK_APP_TOKEN"] = "xapp-1-A0-revoked"
    await bot.start("run")
    line = await _stops_with_one_line(bot)
    assert "Slack refuses SLACK_APP_TOKEN (invalid_auth)" in line
    assert "connections:write" in line


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_with_no_route_to_slack_it_retries_quietly_and_stops_on_sigterm(
    bot: Bot, mode: str
) -> None:
    if mode == "socket":
        del bot.env["SLACK_SIGNING_SECRET"]
        bot.env["SLACK_APP_TOKEN"] = APP_TOKEN
    bot.env["SLACK_API_URL"] = f"http://127.0.0.1:{_free_port()}/api/"  # nothing listens
    await bot.start("run")
    await bot.wait_for_output(r"Cannot reach Slack", count=3)
    status, took = await bot.stop_by_signal()
    assert status == 0, bot.log()
    assert took < STOP_WITHIN_SECONDS, bot.log()
    log = bot.log()
    assert "Traceback" not in log
    attempts = [line for line in log.splitlines() if "Cannot reach Slack" in line]
    # One line per attempt, with growing pauses.
    assert [re.search(r"in (\d+) s \(attempt (\d+)\)", a).groups() for a in attempts[:3]] == [  # type: ignore[union-attr]
        ("1", "1"),
        ("2", "2"),
        ("4", "3"),
    ]
    assert len(log.splitlines()) <= len(attempts) + 2, log


async def test_ctrl_c_while_slack_is_slow_to_answer_stops_at_once(
    bot: Bot, standin: SlackStandIn
) -> None:
    del bot.env["SLACK_SIGNING_SECRET"]
    bot.env["SLACK_APP_TOKEN"] = APP_TOKEN
    standin.fail_next("apps.connections.open", error=None, delay=30, times=3)
    await bot.start("run")
    await bot.wait_for_output(r"is private and the bot is in it")
    await asyncio.sleep(0.5)  # now waiting for Slack to open the connection
    status, took = await bot.stop_by_signal(signal.SIGINT)
    assert status == 0, bot.log()
    assert took < STOP_WITHIN_SECONDS, bot.log()
    assert "Traceback" not in bot.log()


async def test_sigterm_in_socket_mode_once_connected_stops_cleanly(
    bot: Bot, standin: SlackStandIn
) -> None:
    del bot.env["SLACK_SIGNING_SECRET"]
    bot.env["SLACK_APP_TOKEN"] = APP_TOKEN
    await bot.start("run")
    await standin.socket_mode.wait_connected(timeout=30)
    await bot.wait_for_output("Connected to Slack in Socket Mode")
    status, took = await bot.stop_by_signal()
    assert status == 0, bot.log()
    assert took < STOP_WITHIN_SECONDS
    assert "Stopped cleanly" in bot.log()


# ---- the channel (issue 12, item 3) -----------------------------------------------------------


async def test_a_public_channel_stops_run_saying_make_it_private(
    bot: Bot, standin: SlackStandIn
) -> None:
    standin.add_channel("C0GENERAL1", name="general", private=False)
    bot.env["SANCTUARY_CHANNEL"] = "C0GENERAL1"
    await bot.start("run")
    line = await _stops_with_one_line(bot)
    assert "SANCTUARY_CHANNEL #general is public" in line
    assert "make it private" in line


async def test_a_private_channel_without_the_bot_stops_run_saying_invite_it(
    bot: Bot, standin: SlackStandIn
) -> None:
    standin.set_bot_member(CHANNEL_ID, False)
    await bot.start("run")
    line = await _stops_with_one_line(bot)
    # Slack hides a private channel from a bot that is not in it.
    assert f"SANCTUARY_CHANNEL {CHANNEL_ID} was not found" in line
    assert "/invite @Sanctuary Network" in line


async def test_a_public_channel_the_bot_is_not_in_is_still_called_public(
    bot: Bot, standin: SlackStandIn
) -> None:
    standin.add_channel("C0GENERAL1", member=False, name="general", private=False)
    bot.env["SANCTUARY_CHANNEL"] = "C0GENERAL1"
    await bot.start("run")
    assert "is public" in await _stops_with_one_line(bot)


@pytest.mark.parametrize(
    ("revoked", "named"),
    [
        (("groups:read",), "the scope groups:read,"),
        (("groups:read", "channels:read"), "the scopes channels:read, groups:read,"),
    ],
)
async def test_an_app_installed_without_the_read_scopes_is_told_to_reinstall(
    bot: Bot, standin: SlackStandIn, revoked: tuple[str, ...], named: str
) -> None:
    standin.revoke(*revoked)
    await bot.start("run")
    line = await _stops_with_one_line(bot)
    assert f"The app lacks {named} which checking SANCTUARY_CHANNEL needs" in line
    assert "reinstall the app" in line


# ---- the machine: port and database (issue 14, item 2) ----------------------------------------


async def test_a_port_in_use_stops_run_with_one_line(bot: Bot) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        bot.env["PORT"] = str(port)
        await bot.start("run")
        line = await _stops_with_one_line(bot)
    assert f"Port {port} is in use" in line
    assert "set PORT to a free port" in line


@pytest.mark.parametrize(
    ("database_url", "expected"),
    [
        (
            "postgresql://sanctuary:secret@127.0.0.1:{closed_port}/sanctuary",
            "Cannot connect to PostgreSQL at 127.0.0.1:{closed_port} (connection refused): "
            "start PostgreSQL",
        ),
        (
            "sqlite:////nonexistent/dir/x.db",
            "the folder /nonexistent/dir does not exist. Create it, or correct DATABASE_URL.",
        ),
        ("sqlite://", "DATABASE_URL 'sqlite://' is an in-memory SQLite database"),
    ],
    ids=["postgresql-down", "sqlite-no-folder", "sqlite-in-memory"],
)
async def test_a_database_that_cannot_be_opened_stops_run_with_one_line(
    bot: Bot, database_url: str, expected: str
) -> None:
    closed_port = str(_free_port())
    bot.env["DATABASE_URL"] = database_url.format(closed_port=closed_port)
    await bot.start("run")
    line = await _stops_with_one_line(bot)
    assert expected.format(closed_port=closed_port) in line
    assert "secret" not in bot.log()  # the password is never shown


# ---- what it says when all is well (issue 14, item 7) -----------------------------------------


async def test_run_logs_where_it_listens_and_no_library_chatter(bot: Bot) -> None:
    await bot.start("run")
    port = bot.env["PORT"]
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            assert bot.process is not None and bot.process.returncode is None, bot.log()
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        break
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
    status, _ = await bot.stop_by_signal()
    assert status == 0, bot.log()
    log = bot.log()
    assert f"Listening on 0.0.0.0:{port} (POST /slack/events, GET /healthz, GET /network)" in log
    assert "will be unused" not in log
    assert "apscheduler" not in log  # "Added job", "Scheduler started": only with --verbose
    assert "Slack accepts the bot token: @sanctuary-bot" in log
    assert "#la-network-working-group is private and the bot is in it" in log
