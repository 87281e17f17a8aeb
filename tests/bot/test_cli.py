"""The command line as an operator meets it: settings errors, clean shutdown, migrations."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from bot.cli import main
from bot.standin import APP_TOKEN, SlackStandIn
from tests.conftest import SIGNING_SECRET, STAFF

PROJECT = str(Path(__file__).resolve().parents[2])
BOT = [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No Slack settings in the environment, and a working directory without a .env file.

    Whatever `main` loads from a .env file into os.environ is removed afterwards.
    """
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.startswith(("SLACK_", "SANCTUARY_")) or name in ("DATABASE_URL", "PORT"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    os.environ.clear()
    os.environ.update(saved)


def test_run_without_credentials_says_so_and_points_to_the_demo(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run"]) == 2
    error = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN is not set" in error
    assert "sanctuary-bot demo" in error
    assert len(error.strip().splitlines()) == 1


def test_run_reads_dotenv_and_names_a_malformed_setting(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (clean_env / ".env").write_text(
        "SLACK_BOT_TOKEN=xoxb-1\nSLACK_SIGNING_SECRET=s\nSANCTUARY_CHANNEL=general\n"
    )
    assert main(["run"]) == 2
    assert "SANCTUARY_CHANNEL must be a channel ID" in capsys.readouterr().err


def test_db_upgrade_creates_and_reports_the_schema(
    clean_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{clean_env / 'fresh.db'}")
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out.count("Database is at revision") == 2
    assert (clean_env / "fresh.db").exists()


async def test_run_serves_http_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """A real `sanctuary-bot run` process: healthz answers, SIGTERM ends it with status 0."""
    async with SlackStandIn() as slack:
        port = _free_port()
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": PROJECT,
            "SLACK_BOT_TOKEN": "xoxb-standin-token",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SANCTUARY_CHANNEL": "C0WORKGRP1",
            "SANCTUARY_STAFF": STAFF,
            "SLACK_API_URL": slack.api_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
            "PORT": str(port),
        }
        process = await asyncio.create_subprocess_exec(
            *BOT, "run", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
        )
        try:
            await _wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        assert process.returncode == 0, stderr.decode()
        assert "Stopped cleanly" in stderr.decode()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _wait_healthy(url: str, process: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(200):
            if process.returncode is not None:
                raise AssertionError("the bot exited before it became healthy")
            try:
                async with http.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("the bot never answered /healthz")


async def test_run_in_socket_mode_answers_a_command_over_the_socket(tmp_path: Path) -> None:
    """With SLACK_APP_TOKEN, `run` connects over Socket Mode (no HTTP, no signing secret)."""
    async with SlackStandIn() as slack:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": PROJECT,
            "SLACK_BOT_TOKEN": "xoxb-standin-token",
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SANCTUARY_CHANNEL": "C0WORKGRP1",
            "SANCTUARY_STAFF": STAFF,
            "SLACK_API_URL": slack.api_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'socket.db'}",
        }
        process = await asyncio.create_subprocess_exec(
            *BOT, "run", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
        )
        try:
            await slack.socket_mode.wait_connected(timeout=20)
            ack = await slack.socket_mode.send(
                "slash_commands",
                {
                    "command": "/sanctuary",
                    "text": "help",
                    "user_id": STAFF,
                    "user_name": "alex",
                    "team_id": "T0STANDIN1",
                    "channel_id": "C0WORKGRP1",
                    "api_app_id": "A0STANDIN1",
                    "trigger_id": slack.mint_trigger_id(STAFF),
                    "response_url": slack.mint_response_url(channel="C0WORKGRP1", user=STAFF),
                },
            )
            assert ack["envelope_id"]
            await slack.wait_until(lambda: bool(slack.responses()), timeout=10)
            assert "/sanctuary apply" in slack.responses()[-1].body["text"]
            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=20)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        assert process.returncode == 0, stderr.decode()
        assert "Connected to Slack in Socket Mode" in stderr.decode()
        assert "Stopped cleanly" in stderr.decode()
