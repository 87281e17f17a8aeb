"""The command line as an operator meets it: settings errors, clean shutdown, migrations."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from bot.cli import _moment, build_parser, main
from bot.settings import load_settings, normalise_database_url
from bot.standin import APP_TOKEN, SlackStandIn
from models.db import make_engine
from models.migrate import head_revision, upgrade
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


def test_run_without_credentials_names_every_missing_setting_at_once(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    # One line per missing setting, all in one run (not one per attempt).
    assert [line.split(" is not set")[0] for line in lines] == [
        "sanctuary-bot: SLACK_BOT_TOKEN",
        "sanctuary-bot: SLACK_SIGNING_SECRET",
        "sanctuary-bot: SANCTUARY_CHANNEL",
        "sanctuary-bot: SANCTUARY_STAFF",
    ]
    assert "sanctuary-bot demo" in lines[0]


def test_run_reads_dotenv_and_names_a_malformed_setting(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (clean_env / ".env").write_text(
        "SLACK_BOT_TOKEN=xoxb-1\nSLACK_SIGNING_SECRET=s\nSANCTUARY_CHANNEL=general\n"
    )
    assert main(["run"]) == 2
    assert "SANCTUARY_CHANNEL must be a channel ID" in capsys.readouterr().err


def test_db_upgrade_says_whether_it_upgraded(
    clean_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    latest = head_revision()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{clean_env / 'fresh.db'}")
    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out == (
        f"Created the database's tables: it is at the latest revision ({latest}).\n"
    )
    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out == (
        f"The database is already at the latest revision ({latest}); nothing to do.\n"
    )
    assert (clean_env / "fresh.db").exists()


def test_db_upgrade_from_an_older_revision_names_both(
    clean_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{clean_env / 'old.db'}"

    async def at_first_revision() -> None:
        engine = make_engine(normalise_database_url(url))
        await upgrade(engine, "0001")
        await engine.dispose()

    asyncio.run(at_first_revision())
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    latest = head_revision()
    assert capsys.readouterr().out == (
        f"Upgraded the database from revision 0001 to {latest}, the latest.\n"
    )


@pytest.mark.parametrize("command", [["db", "upgrade"], ["export"], ["personal-data", "a@b.org"]])
def test_a_database_that_cannot_be_opened_is_one_line_for_every_command(
    clean_env: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:////nonexistent/dir/x.db")
    assert main(command) == 1
    error = capsys.readouterr().err
    assert error == (
        "sanctuary-bot: Cannot open the SQLite database /nonexistent/dir/x.db: the folder "
        "/nonexistent/dir does not exist. Create it, or correct DATABASE_URL.\n"
    )


def test_in_memory_sqlite_is_refused_clearly(
    clean_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    assert main(["export"]) == 2
    error = capsys.readouterr().err
    assert "in-memory SQLite database, gone when the bot stops" in error
    assert "sqlite:///sanctuary.db" in error
    assert len(error.splitlines()) == 1


def test_version_and_bare_command_and_each_commands_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert re.fullmatch(r"sanctuary-bot \d+\.\d+\.\d+\n", capsys.readouterr().out)

    assert main([]) == 0
    usage = capsys.readouterr().out
    assert usage.startswith("usage: sanctuary-bot")
    for command in ("run", "doctor", "demo", "db", "scan", "export", "import", "personal-data"):
        assert re.search(rf"\n    {command}\b", usage), command

    for command, says in [
        (["run"], "Run the bot"),
        (["doctor"], "Check the settings, the Slack app and the database"),
        (["scan"], "Run a scheduled scan once now"),
        (["db", "upgrade"], "Apply the schema migrations"),
        (["export"], "Write the public register"),
        (["import"], "Add councils that are already members"),
        (["personal-data"], "What is held about a person"),
    ]:
        with pytest.raises(SystemExit):
            main([*command, "--help"])
        assert says in capsys.readouterr().out, command


@pytest.mark.parametrize(
    ("given", "moment"),
    [
        ("2026-03-02", datetime(2026, 3, 2, 0, 0, tzinfo=UTC)),  # London is on GMT in March
        ("2026-07-02", datetime(2026, 7, 1, 23, 0, tzinfo=UTC)),  # and on BST in July
        ("2026-03-02T09:00", datetime(2026, 3, 2, 9, 0, tzinfo=UTC)),
        ("2026-03-02T09:00+01:00", datetime(2026, 3, 2, 8, 0, tzinfo=UTC)),
        ("2026-03-02T09:00Z", datetime(2026, 3, 2, 9, 0, tzinfo=UTC)),
    ],
)
def test_scan_now_takes_a_date_or_a_date_time(given: str, moment: datetime) -> None:
    args = build_parser().parse_args(["scan", "renewals", "--now", given])
    settings = load_settings({})
    assert _moment(args.now, settings) == moment


def test_scan_now_advice_shows_forms_that_work(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["scan", "renewals", "--now", "2 March"])
    error = capsys.readouterr().err
    assert "'2 March' is neither a date nor a date-time" in error
    examples = re.findall(r"\b(2026-03-02\S*?)(?=[ ,)]|$)", error.strip())
    assert examples
    for example in examples:  # every form the advice offers is one --now accepts
        build_parser().parse_args(["scan", "renewals", "--now", example])


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
