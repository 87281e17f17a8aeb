"""A real `sanctuary-bot run` process starting as an administrator meets it on the first day:
a wrong token, a public channel, Slack out of reach, a port in use, a database that cannot be
opened. Each stops the process with one line naming the cause and the fix, or (Slack out of
reach) is tried again quietly until SIGTERM, which stops the process in every state.
"""

from __future__ import annotations

import asyncio
import re
import signal
import socket

import aiohttp
import pytest

from bot.standin import APP_TOKEN, CHANNEL_ID, SlackStandIn
from tests.e2e.helpers_process import PROJECT, Bot, free_port

# What `run` is allowed beyond its drain time (it has nothing to drain in these tests).
STOP_WITHIN_SECONDS = 5.0


def _example_setting(name: str) -> str:
    """The placeholder `.env.example` gives for `name` (what a hurried administrator leaves)."""
    text = (PROJECT / ".env.example").read_text(encoding="utf-8")
    found = re.search(rf"^#?{name}=(\S+)$", text, re.MULTILINE)
    assert found is not None, f"{name} is not in .env.example"
    return found.group(1)


async def _stops_with_one_line(process: Bot) -> str:
    status = await process.exit_status()
    assert status != 0, process.log()
    assert "Traceback" not in process.log(), process.log()
    lines = process.error_lines()
    assert len(lines) == 1, process.log()
    return lines[0]


# ---- the tokens -------------------------------------------------------------------------------


async def test_the_env_example_placeholder_bot_token_stops_run_naming_the_setting(
    process: Bot, standin: SlackStandIn
) -> None:
    process.env["SLACK_BOT_TOKEN"] = _example_setting("SLACK_BOT_TOKEN")
    await process.start("run")
    line = await _stops_with_one_line(process)
    assert "Slack refuses SLACK_BOT_TOKEN (invalid_auth)" in line
    assert "OAuth & Permissions" in line  # where to find the right one
    assert [c.error for c in standin.calls("auth.test")] == ["invalid_auth"]
    assert standin.messages() == []


async def test_a_refused_app_token_stops_socket_mode_naming_the_setting(process: Bot) -> None:
    del process.env["SLACK_SIGNING_SECRET"]
    process.env["SLACK_APP_TOKEN"] = "xapp-1-A0-revoked"
    await process.start("run")
    line = await _stops_with_one_line(process)
    assert "Slack refuses SLACK_APP_TOKEN (invalid_auth)" in line
    assert "connections:write" in line


@pytest.mark.parametrize("mode", ["http", "socket"])
async def test_with_no_route_to_slack_it_retries_quietly_and_stops_on_sigterm(
    process: Bot, mode: str
) -> None:
    if mode == "socket":
        del process.env["SLACK_SIGNING_SECRET"]
        process.env["SLACK_APP_TOKEN"] = APP_TOKEN
    process.env["SLACK_API_URL"] = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens
    await process.start("run")
    await process.wait_for_output(r"Cannot reach Slack", count=3)
    status, took = await process.stop_by_signal()
    assert status == 0, process.log()
    assert took < STOP_WITHIN_SECONDS, process.log()
    log = process.log()
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
    process: Bot, standin: SlackStandIn
) -> None:
    del process.env["SLACK_SIGNING_SECRET"]
    process.env["SLACK_APP_TOKEN"] = APP_TOKEN
    standin.fail_next("apps.connections.open", error=None, delay=30, times=3)
    await process.start("run")
    await process.wait_for_output(r"is private and the bot is in it")
    await asyncio.sleep(0.5)  # now waiting for Slack to open the connection
    status, took = await process.stop_by_signal(signal.SIGINT)
    assert status == 0, process.log()
    assert took < STOP_WITHIN_SECONDS, process.log()
    assert "Traceback" not in process.log()


async def test_sigterm_in_socket_mode_once_connected_stops_cleanly(
    process: Bot, standin: SlackStandIn
) -> None:
    del process.env["SLACK_SIGNING_SECRET"]
    process.env["SLACK_APP_TOKEN"] = APP_TOKEN
    await process.start("run")
    await standin.socket_mode.wait_connected(timeout=30)
    await process.wait_for_output("Connected to Slack in Socket Mode")
    status, took = await process.stop_by_signal()
    assert status == 0, process.log()
    assert took < STOP_WITHIN_SECONDS
    assert "Stopped cleanly" in process.log()


# ---- the channel (issue 12, item 3) -----------------------------------------------------------


async def test_a_public_channel_stops_run_saying_make_it_private(
    process: Bot, standin: SlackStandIn
) -> None:
    standin.add_channel("C0GENERAL1", name="general", private=False)
    process.env["SANCTUARY_CHANNEL"] = "C0GENERAL1"
    await process.start("run")
    line = await _stops_with_one_line(process)
    assert "SANCTUARY_CHANNEL #general is public" in line
    assert "make it private" in line


async def test_a_private_channel_without_the_bot_stops_run_saying_invite_it(
    process: Bot, standin: SlackStandIn
) -> None:
    standin.set_bot_member(CHANNEL_ID, False)
    await process.start("run")
    line = await _stops_with_one_line(process)
    # Slack hides a private channel from a bot that is not in it.
    assert f"SANCTUARY_CHANNEL {CHANNEL_ID} was not found" in line
    assert "/invite @Sanctuary Network" in line


async def test_a_public_channel_the_bot_is_not_in_is_still_called_public(
    process: Bot, standin: SlackStandIn
) -> None:
    standin.add_channel("C0GENERAL1", member=False, name="general", private=False)
    process.env["SANCTUARY_CHANNEL"] = "C0GENERAL1"
    await process.start("run")
    assert "is public" in await _stops_with_one_line(process)


@pytest.mark.parametrize(
    ("revoked", "named"),
    [
        (("groups:read",), "the scope groups:read,"),
        (("groups:read", "channels:read"), "the scopes channels:read, groups:read,"),
    ],
)
async def test_an_app_installed_without_the_read_scopes_is_told_to_reinstall(
    process: Bot, standin: SlackStandIn, revoked: tuple[str, ...], named: str
) -> None:
    standin.revoke(*revoked)
    await process.start("run")
    line = await _stops_with_one_line(process)
    assert f"The app lacks {named} which checking SANCTUARY_CHANNEL needs" in line
    assert "reinstall the app" in line


# ---- the machine: port and database (issue 14, item 2) ----------------------------------------


async def test_a_port_in_use_stops_run_with_one_line(process: Bot) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process.env["PORT"] = str(port)
        await process.start("run")
        line = await _stops_with_one_line(process)
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
    process: Bot, database_url: str, expected: str
) -> None:
    closed_port = str(free_port())
    process.env["DATABASE_URL"] = database_url.format(closed_port=closed_port)
    await process.start("run")
    line = await _stops_with_one_line(process)
    assert expected.format(closed_port=closed_port) in line
    assert "secret" not in process.log()  # the password is never shown


# ---- what it says when all is well (issue 14, item 7) -----------------------------------------


async def test_run_logs_where_it_listens_and_no_library_chatter(process: Bot) -> None:
    await process.start("run")
    port = process.env["PORT"]
    async with aiohttp.ClientSession() as http:
        for _ in range(300):
            assert process.process is not None and process.process.returncode is None, process.log()
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        break
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
    status, _ = await process.stop_by_signal()
    assert status == 0, process.log()
    log = process.log()
    assert f"Listening on 0.0.0.0:{port} (POST /slack/events, GET /healthz, GET /network)" in log
    assert "will be unused" not in log
    assert "apscheduler" not in log  # "Added job", "Scheduler started": only with --verbose
    assert "Slack accepts the bot token: @sanctuary-bot" in log
    assert "#la-network-working-group is private and the bot is in it" in log
