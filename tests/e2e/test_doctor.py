"""`sanctuary-bot doctor`, a real process against the stand-in: a checklist of what a real
workspace needs, exit status 1 when something is wrong, and a line saying how to fix each."""

from __future__ import annotations

import re
from pathlib import Path

from bot.domain.scopes import BOT_SCOPES
from bot.standin import APP_TOKEN, SlackStandIn
from models.db import make_engine
from models.migrate import head_revision, upgrade
from tests.conftest import STAFF, STAFF_2
from tests.e2e.helpers_process import Bot


async def _doctor(bot: Bot) -> tuple[int, dict[str, str]]:
    """Exit status, and each checklist line's detail by its name, marked ok or FAIL."""
    await bot.start("doctor")
    status = await bot.exit_status()
    assert "Traceback" not in bot.log(), bot.log()
    lines = {}
    for line in bot.log().splitlines():
        found = re.match(r"  \[(ok  |FAIL)\] (\S+(?: \S+)?) +(.*)$", line)
        if found:
            lines[found.group(2)] = f"{found.group(1).strip()}: {found.group(3)}"
    return status, lines


async def _migrated(path: Path, revision: str = "head") -> str:
    url = f"sqlite:///{path}"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    await upgrade(engine, revision)
    await engine.dispose()
    return url


async def test_a_workspace_with_everything_in_place_passes(
    process: Bot, standin: SlackStandIn
) -> None:
    status, checks = await _doctor(process)
    assert status == 0, process.log()
    assert checks == {
        "Bot token": "ok: Slack accepts it: @sanctuary-bot in City of Sanctuary (stand-in)",
        "Scopes": f"ok: all {len(BOT_SCOPES)} that the bot needs are granted",
        "Channel": "ok: #la-network-working-group exists, is private, and the bot is in it",
        "Staff": "ok: 1 active member(s) of the workspace: Alex Staff",
        "Database": f"ok: reachable, at the latest revision ({head_revision()})",
        "Signing secret": "ok: set (HTTP mode)",
    }
    assert "All is well" in process.log()


async def test_every_problem_is_listed_with_its_fix(
    process: Bot, standin: SlackStandIn, tmp_path: Path
) -> None:
    standin.revoke("im:history", "im:write")  # installed before this version asked for them
    standin.add_channel("C0GENERAL1", name="general", private=False)
    standin.add_user(STAFF_2, "Bea Former", deleted=True)
    process.env |= {
        "SANCTUARY_CHANNEL": "C0GENERAL1",
        "SANCTUARY_STAFF": f"{STAFF},{STAFF_2},U0NOBODY01",
        "DATABASE_URL": await _migrated(tmp_path / "old.db", "0001"),
    }
    del process.env["SLACK_SIGNING_SECRET"]
    status, checks = await _doctor(process)
    assert status == 1, process.log()
    assert checks["Bot token"].startswith("ok")
    assert checks["Scopes"].startswith("FAIL: the app lacks im:history, im:write: reinstall")
    assert checks["Channel"].startswith("FAIL: SANCTUARY_CHANNEL #general is public")
    assert checks["Staff"] == (
        f"FAIL: U0NOBODY01 is not a member of this workspace; {STAFF_2} (Bea Former) is "
        "deactivated: correct SANCTUARY_STAFF (in Slack: profile, ⋮, Copy member ID)."
    )
    assert checks["Database"] == (
        f"FAIL: at revision 0001 (the latest is {head_revision()}): run `sanctuary-bot db "
        "upgrade` (`run` also upgrades at start)."
    )
    assert checks["Signing secret"].startswith("FAIL: SLACK_SIGNING_SECRET is not set")
    assert "5 things to fix (marked FAIL)." in process.log()


async def test_a_refused_bot_token_and_a_missing_database(process: Bot, tmp_path: Path) -> None:
    process.env["SLACK_BOT_TOKEN"] = "xoxb-your-bot-token"
    process.env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'never-made.db'}"
    status, checks = await _doctor(process)
    assert status == 1
    assert checks["Bot token"].startswith("FAIL: Slack refuses SLACK_BOT_TOKEN (invalid_auth)")
    assert "Channel" not in checks  # nothing more can be asked of Slack with that token
    assert checks["Database"].startswith(
        f"FAIL: there is no database at {tmp_path / 'never-made.db'} yet"
    )
    assert not (tmp_path / "never-made.db").exists()  # the doctor changes nothing


async def test_socket_mode_checks_the_app_token(process: Bot, standin: SlackStandIn) -> None:
    del process.env["SLACK_SIGNING_SECRET"]
    process.env["SLACK_APP_TOKEN"] = APP_TOKEN
    status, checks = await _doctor(process)
    assert status == 0, process.log()
    assert checks["App token"] == "ok: Slack opens Socket Mode connections with it"
    assert "Signing secret" not in checks

    process.env["SLACK_APP_TOKEN"] = "xapp-1-revoked"
    status, checks = await _doctor(process)
    assert status == 1
    assert checks["App token"].startswith("FAIL: Slack refuses SLACK_APP_TOKEN (invalid_auth)")


async def test_the_channel_check_asks_slack_with_the_scope_it_needs(
    process: Bot, standin: SlackStandIn
) -> None:
    standin.revoke("groups:read")
    status, checks = await _doctor(process)
    assert status == 1
    assert checks["Channel"].startswith("FAIL: The app lacks the scope groups:read")
    assert checks["Scopes"].startswith("FAIL: the app lacks groups:read")
