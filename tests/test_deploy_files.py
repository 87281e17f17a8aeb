"""The container files hold together without a container engine: compose.yaml parses and runs the
bot beside a healthy PostgreSQL with a volume, waits longer than the bot's shutdown; the
Dockerfile runs the installed console script as an unprivileged user, copies only what exists
and what .dockerignore lets through, and its health check really passes and fails against a
running bot. (.ci/run also builds the image where an engine works.)"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml

from bot.cli import build_parser
from bot.runtime import LISTENER_GRACE_SECONDS, Runtime
from bot.standin import SlackStandIn
from models.db import transaction
from scheduler import STOP_GRACE_SECONDS
from scheduler.jobs import JOBS
from tests import factories
from tests.conftest import START

REPO = Path(__file__).resolve().parents[1]


def _instructions(text: str) -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n(\s*#[^\n]*\n)*", " ", text)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            found.append((keyword.upper(), arguments.strip()))
    return found


DOCKERFILE = _instructions((REPO / "Dockerfile").read_text(encoding="utf-8"))
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _final_stage() -> list[tuple[str, str]]:
    last_from = max(i for i, (keyword, _) in enumerate(DOCKERFILE) if keyword == "FROM")
    return DOCKERFILE[last_from:]


def _exec_form(keyword: str, stage: list[tuple[str, str]]) -> list[str]:
    """The JSON (exec) form of the stage's last `keyword`, which the checks below require."""
    arguments = [a for k, a in stage if k == keyword]
    assert arguments, f"the Dockerfile's final stage has no {keyword}"
    value = json.loads(arguments[-1])
    assert isinstance(value, list) and all(isinstance(v, str) for v in value)
    return value


def _healthcheck_command() -> list[str]:
    arguments = [a for k, a in _final_stage() if k == "HEALTHCHECK"]
    assert len(arguments) == 1, "the final stage needs one HEALTHCHECK"
    _options, cmd, command = arguments[0].partition("CMD ")
    assert cmd, "HEALTHCHECK ... CMD [...]"
    value = json.loads(command)
    assert isinstance(value, list)
    return [str(v) for v in value]


def _seconds(duration: str) -> float:
    match = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?", duration)
    assert match and duration, duration
    return int(match.group(1) or 0) * 60 + int(match.group(2) or 0)


def test_the_entry_point_is_the_installed_console_script_and_runs_the_bot() -> None:
    stage = _final_stage()
    entrypoint = _exec_form("ENTRYPOINT", stage)
    assert entrypoint[0] in PYPROJECT["project"]["scripts"]
    command = build_parser().parse_args([*entrypoint[1:], *_exec_form("CMD", stage)])
    assert command.command == "run"


def test_the_image_runs_as_an_unprivileged_user_on_a_supported_python() -> None:
    stage = _final_stage()
    users = [a for k, a in stage if k == "USER"]
    assert users, "the final stage must switch to an unprivileged USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    base = re.fullmatch(r"python:(\d+)\.(\d+)-slim(?:-\w+)?", stage[0][1])
    assert base, stage[0][1]
    required = re.fullmatch(r">=(\d+)\.(\d+)", PYPROJECT["project"]["requires-python"])
    assert required
    assert (int(base[1]), int(base[2])) >= (int(required[1]), int(required[2]))


def test_every_file_the_dockerfile_copies_exists_and_reaches_the_builder() -> None:
    ignore = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def sent_to_builder(path: str) -> bool:
        included = True
        for pattern in ignore:  # the last matching line decides, as in Docker
            negated = pattern.startswith("!")
            pattern = pattern.removeprefix("!").rstrip("/")
            if fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/"):
                included = negated
        return included

    copies = [a.split() for k, a in DOCKERFILE if k == "COPY" and "--from=" not in a]
    assert copies
    sources = [source for *sources, _target in copies for source in sources]
    for source in sources:
        assert (REPO / source).exists(), source
        assert sent_to_builder(source), f"{source} is excluded by .dockerignore"
    for package in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]:
        assert package.rstrip("*") in sources, f"the image lacks the package {package}"
    for secret in (".env", "sanctuary.db", ".venv"):
        assert not sent_to_builder(secret), f"{secret} would be sent to the builder"


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_compose_runs_the_bot_beside_a_healthy_postgresql_with_a_volume() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"bot", "db"}
    bot, db = services["bot"], services["db"]
    assert bot["build"] == "."
    assert bot["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert db["image"].startswith("postgres:")
    (volume,) = compose["volumes"]
    assert f"{volume}:/var/lib/postgresql/data" in db["volumes"]
    assert bot["env_file"] == ".env"
    assert bot["environment"]["DATABASE_URL"].startswith("postgresql://")
    assert "@db:5432/" in bot["environment"]["DATABASE_URL"]
    # The port the bot listens on is the one published, and the health check asks.
    port = bot["environment"]["PORT"]
    assert any(mapping.endswith(f":{port}") for mapping in bot["ports"])
    assert f"PORT={port}" in " ".join(a for k, a in _final_stage() if k == "ENV")


def test_compose_waits_longer_than_the_bot_takes_to_stop() -> None:
    """docker stops a container with SIGTERM, then SIGKILL after the grace period: the bot must
    be allowed to finish what Slack was told was received (bot/runtime.py, Runtime.stop)."""
    shutdown = 2 * LISTENER_GRACE_SECONDS + STOP_GRACE_SECONDS  # drain, listeners, a scan
    assert _seconds(_compose()["services"]["bot"]["stop_grace_period"]) > shutdown + 5


async def _run_healthcheck(port: int) -> int:
    command = _healthcheck_command()
    assert command[0] == "python"  # the image has no curl
    process = await asyncio.create_subprocess_exec(
        sys.executable, *command[1:], env={"PORT": str(port)}
    )
    return await asyncio.wait_for(process.wait(), timeout=30)


async def test_the_health_check_passes_against_a_healthy_bot_and_fails_otherwise(
    bot: Runtime, standin: SlackStandIn
) -> None:
    assert bot.url is not None
    port = int(bot.url.rsplit(":", 1)[1])
    assert await _run_healthcheck(port) == 0

    # Slack refuses the bot's token: /healthz answers 503 and the check fails.
    async with transaction(bot.deps.sessions) as session:
        await factories.application(session, at=START, posted=False)
    standin.fail_next("chat.postMessage", error="invalid_auth")
    post_pending = next(job.run for job in JOBS if job.id == "post-pending-applications")
    await post_pending(bot.deps, bot.client)
    assert await _run_healthcheck(port) != 0

    await bot.stop()  # nothing listens any more
    assert await _run_healthcheck(port) != 0
