"""The CI entry point (.ci/run) and the PostgreSQL test server script behave as CI relies on.

.ci/run is exercised in a scratch copy of the repository whose Makefile runs a tiny pytest suite
and whose scripts/pg-test-server is a stub, so these tests are quick and start no database.
One test starts the real scripts/pg-test-server when PostgreSQL is installed.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CI_RUN = REPO / ".ci" / "run"
PG_SCRIPT = REPO / "scripts" / "pg-test-server"
STUB_URL = "postgresql+asyncpg://sanctuary@127.0.0.1:5999/sanctuary_test"

PASSING_SUITE = """
import os
import pytest

def test_always():
    pass

@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="set TEST_DATABASE_URL")
def test_postgresql_only():
    assert os.environ["TEST_DATABASE_URL"].startswith("postgresql+asyncpg://")
"""

SUITE_SKIPPING_ON_POSTGRESQL_TOO = """
import pytest

@pytest.mark.skip(reason="needs TEST_DATABASE_URL (broken fixture)")
def test_postgresql_only():
    pass

def test_always():
    pass
"""

SUITE_WITH_UNRELATED_SKIP = """
import pytest

@pytest.mark.skip(reason="not on this platform")
def test_elsewhere():
    pass

def test_always():
    pass
"""

SUITE_CHECKING_THE_URL = f"""
import os

def test_only_the_url_of_the_started_server_is_seen():
    # The caller's environment has a different TEST_DATABASE_URL: SQLite must not see it.
    assert os.environ.get("TEST_DATABASE_URL") in (None, "{STUB_URL}")
"""

FAILING_SUITE = """
def test_broken():
    assert False
"""


def _write_executable(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def _scratch_repo(tmp_path: Path, suite: str | None, lint_ok: bool = True) -> Path:
    repo = tmp_path / "repo"
    (repo / ".ci").mkdir(parents=True)
    shutil.copy2(CI_RUN, repo / ".ci" / "run")
    tests = repo / "tests"
    tests.mkdir()
    if suite is not None:
        (tests / "test_suite.py").write_text(suite, encoding="utf-8")
    (repo / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\naddopts = "-ra"\ntestpaths = ["tests"]\n', encoding="utf-8"
    )
    pytest_cmd = f"{sys.executable} -m pytest -p no:cacheprovider -p no:randomly"
    lint_cmd = "@echo lint ran" if lint_ok else "@echo lint failed; exit 1"
    (repo / "Makefile").write_text(
        f"test:\n\t{pytest_cmd}\nlint:\n\t{lint_cmd}\n",
        encoding="utf-8",
    )
    # A stand-in for the server script that records how it was called.
    _write_executable(
        repo / "scripts" / "pg-test-server",
        "#!/usr/bin/env bash\n"
        'echo "$1" >> "$(dirname "$0")/../pg-calls"\n'
        f'if [[ "$1" == start ]]; then echo "{STUB_URL}"; fi\n',
    )
    return repo


def _run_ci(repo: Path, docker: str = "/nonexistent/docker") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(CI="true", TEST_DATABASE_URL="postgresql+asyncpg://leaked@example/db")
    env.update(DOCKER=docker)  # no container engine unless a test gives one
    return subprocess.run(
        [str(repo / ".ci" / "run")],
        cwd="/",
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _pg_calls(repo: Path) -> list[str]:
    calls = repo / "pg-calls"
    return calls.read_text(encoding="utf-8").split() if calls.exists() else []


def test_ci_passes_when_postgresql_runs_what_sqlite_skipped(tmp_path: Path) -> None:
    repo = _scratch_repo(tmp_path, PASSING_SUITE)
    result = _run_ci(repo)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    for header in (
        "Tests on SQLite",
        "Tests on PostgreSQL",
        "Lint",
        "Container image",
        "CI passed",
    ):
        assert header in out
    assert "1 passed, 1 skipped" in out  # SQLite
    assert "2 passed" in out  # PostgreSQL
    assert f"TEST_DATABASE_URL={STUB_URL}" in out
    assert "lint ran" in out
    assert _pg_calls(repo) == ["start", "stop"]
    assert "Skipped: no container engine (/nonexistent/docker is not installed)" in out


def test_ci_fails_when_postgresql_run_skips_for_want_of_the_url(tmp_path: Path) -> None:
    repo = _scratch_repo(tmp_path, SUITE_SKIPPING_ON_POSTGRESQL_TOO)
    result = _run_ci(repo)
    assert result.returncode != 0
    assert "still skipped tests that need TEST_DATABASE_URL" in result.stderr
    assert "lint ran" not in result.stdout
    assert _pg_calls(repo) == ["start", "stop"]  # stopped on the way out


def test_ci_accepts_skips_for_other_reasons(tmp_path: Path) -> None:
    result = _run_ci(_scratch_repo(tmp_path, SUITE_WITH_UNRELATED_SKIP))
    assert result.returncode == 0, result.stdout + result.stderr


def test_sqlite_run_does_not_inherit_test_database_url(tmp_path: Path) -> None:
    result = _run_ci(_scratch_repo(tmp_path, SUITE_CHECKING_THE_URL))
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_fails_when_no_tests_are_collected(tmp_path: Path) -> None:
    repo = _scratch_repo(tmp_path, suite=None)
    result = _run_ci(repo)
    assert result.returncode != 0
    assert "collected no tests" in result.stderr
    assert _pg_calls(repo) == []


def test_ci_fails_on_a_failing_test_and_skips_the_rest(tmp_path: Path) -> None:
    repo = _scratch_repo(tmp_path, FAILING_SUITE)
    result = _run_ci(repo)
    assert result.returncode != 0
    assert "SQLite: the test suite failed" in result.stderr
    assert "Tests on PostgreSQL" not in result.stdout
    assert _pg_calls(repo) == []


def test_ci_fails_when_lint_fails(tmp_path: Path) -> None:
    repo = _scratch_repo(tmp_path, PASSING_SUITE, lint_ok=False)
    result = _run_ci(repo)
    assert result.returncode != 0
    assert "CI passed" not in result.stdout


# --- the container image: built where an engine works, else skipped with the reason ----------

# A stand-in for docker whose answers the test chooses; it records each call.
DOCKER_STUB = """#!/usr/bin/env bash
echo "$*" >> "$(dirname "$0")/docker-calls"
case "$1" in
  info) [[ -z "$NO_ENGINE" ]] || { echo "Cannot connect to the Docker daemon" >&2; exit 1; } ;;
  image) exit 1 ;;  # the base image is not here yet
  pull) [[ -z "$NO_PULL" ]] || { echo "dial tcp: lookup registry: no such host"; exit 1; } ;;
  build) [[ -z "$BUILD_FAILS" ]] || { echo "COPY failed: file not found"; exit 1; } ;;
  run) [[ "$*" != *"--entrypoint id"* ]] || echo "${IMAGE_UID:-10001}" ;;
esac
"""


def _docker_stub(repo: Path) -> str:
    (repo / "Dockerfile").write_text("FROM python:3.11-slim AS build\n", encoding="utf-8")
    stub = repo / "stub" / "docker"
    _write_executable(stub, DOCKER_STUB)
    return str(stub)


def _docker_calls(repo: Path) -> list[str]:
    calls = repo / "stub" / "docker-calls"
    return calls.read_text(encoding="utf-8").splitlines() if calls.exists() else []


@pytest.mark.parametrize(
    ("variable", "reason"),
    [
        ("NO_ENGINE", "its engine does not answer: Cannot connect to the Docker daemon"),
        ("NO_PULL", "cannot get the base image python:3.11-slim here: dial tcp"),
    ],
)
def test_ci_skips_the_image_when_the_engine_cannot_build_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, reason: str
) -> None:
    repo = _scratch_repo(tmp_path, PASSING_SUITE)
    monkeypatch.setenv(variable, "1")
    result = _run_ci(repo, docker=_docker_stub(repo))
    assert result.returncode == 0, result.stdout + result.stderr
    assert reason in result.stdout
    assert "CI passed" in result.stdout
    assert not any(call.startswith("build") for call in _docker_calls(repo))


def test_ci_builds_the_image_and_runs_its_entry_point(tmp_path: Path) -> None:
    repo = _scratch_repo(tmp_path, PASSING_SUITE)
    result = _run_ci(repo, docker=_docker_stub(repo))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Built sanctuary-network-bot:ci" in result.stdout
    calls = _docker_calls(repo)
    assert "build --tag sanctuary-network-bot:ci ." in calls
    assert "run --rm sanctuary-network-bot:ci --help" in calls


@pytest.mark.parametrize(
    ("variable", "said"),
    [
        ("BUILD_FAILS", "the container image did not build"),
        ("IMAGE_UID", "the image runs as root"),
    ],
)
def test_ci_fails_when_the_image_does_not_build_or_runs_as_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, said: str
) -> None:
    repo = _scratch_repo(tmp_path, PASSING_SUITE)
    monkeypatch.setenv(variable, "0" if variable == "IMAGE_UID" else "1")
    result = _run_ci(repo, docker=_docker_stub(repo))
    assert result.returncode != 0
    assert said in result.stderr
    assert "CI passed" not in result.stdout


# --- the real PostgreSQL server script -------------------------------------------------------


def _postgresql_available() -> bool:
    if os.environ.get("PGTEST_PGBIN"):
        return True
    if not any(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")):
        return False
    if os.geteuid() == 0:
        return subprocess.run(["id", "postgres"], capture_output=True).returncode == 0
    return True


def test_pg_test_server_usage_error() -> None:
    result = subprocess.run([str(PG_SCRIPT), "bogus"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "start" in result.stderr and "stop" in result.stderr


@pytest.mark.skipif(not _postgresql_available(), reason="PostgreSQL server binaries not installed")
def test_pg_test_server_start_url_stop(tmp_path: Path) -> None:
    env = {**os.environ, "PGTEST_DIR": str(tmp_path / "pg")}
    for name in ("PGTEST_PORT", "PGTEST_USER", "PGTEST_DB"):
        env.pop(name, None)

    def run(command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(PG_SCRIPT), command],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )

    started = run("start")
    assert started.returncode == 0, started.stderr
    # As root the state may move to /tmp when postgres cannot reach tmp_path; find it to clean up.
    ready = re.search(r"ready: data in (\S+)/data", started.stderr)
    assert ready, started.stderr
    state_dir = Path(ready.group(1))
    try:
        url = started.stdout.strip()
        assert re.fullmatch(
            r"postgresql\+asyncpg://sanctuary@127\.0\.0\.1:\d+/sanctuary_test", url
        ), started.stdout
        assert run("url").stdout.strip() == url
        assert run("start").stdout.strip() == url  # idempotent
        assert run("status").returncode == 0

        psql = shutil.which("psql")
        if psql:
            answer = subprocess.run(
                [
                    psql,
                    "-XAtc",
                    "select current_user, current_database()",
                    url.replace("+asyncpg", ""),
                ],
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert answer.stdout.strip() == "sanctuary|sanctuary_test", answer.stderr
    finally:
        stopped = run("stop")
        again = run("stop")
        shutil.rmtree(state_dir, ignore_errors=True)
    assert stopped.returncode == 0, stopped.stderr
    assert again.returncode == 0, again.stderr  # idempotent
    assert run("url").returncode != 0


# --- the Makefile: what `make demo` and `make test` install, and a stale .venv ----------------

MAKEFILE = REPO / "Makefile"


def _make(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "VENV", "PYTHON"))}
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _old_venv(tmp_path: Path, python: str, made_by: str = "3.11.7") -> Path:
    """A .venv whose `python` is the given script (standing for another interpreter)."""
    venv = tmp_path / "venv"
    _write_executable(venv / "bin" / "python", python)
    (venv / "pyvenv.cfg").write_text(f"home = /usr/bin\nversion = {made_by}\n", encoding="utf-8")
    return venv


def _pyproject() -> str:
    return (REPO / "pyproject.toml").read_text(encoding="utf-8")


def test_makefile_minimum_python_is_the_project_requirement() -> None:
    required = re.search(r'^requires-python = ">=([\d.]+)"', _pyproject(), re.MULTILINE)
    minimum = re.search(r"^MIN_PYTHON = ([\d.]+)$", MAKEFILE.read_text(), re.MULTILINE)
    assert required and minimum
    assert minimum.group(1) == required.group(1)


def test_make_demo_installs_the_runtime_only_and_make_test_adds_the_test_tools(
    tmp_path: Path,
) -> None:
    venv = tmp_path / "fresh"
    demo = _make("-n", "demo", f"VENV={venv}")
    assert demo.returncode == 0, demo.stderr
    assert "pip install --quiet -e .\n" in demo.stdout
    assert "[test]" not in demo.stdout
    for target in ("test", "lint"):
        planned = _make("-n", target, f"VENV={venv}")
        assert planned.returncode == 0, planned.stderr
        assert "pip install --quiet -e .\n" in planned.stdout
        assert "pip install --quiet -e '.[test]'" in planned.stdout


@pytest.mark.parametrize(
    ("python", "made_by", "said"),
    [
        (
            "#!/bin/sh\necho 3.9\n",
            "3.9.2",
            "was made by Python 3.9; this project needs Python 3.11",
        ),
        ("#!/bin/sh\nexit 127\n", "3.9.2", "was made by a Python that no longer runs here"),
        ("#!/bin/sh\necho 3.12\n", "3.11.7", "was made by Python 3.11, but its python is now 3.12"),
    ],
    ids=["too-old", "interpreter-removed", "interpreter-upgraded"],
)
def test_a_stale_venv_is_detected_and_make_says_make_clean(
    tmp_path: Path, python: str, made_by: str, said: str
) -> None:
    venv = _old_venv(tmp_path, python, made_by)
    before = sorted(p.name for p in venv.rglob("*"))
    for target in ("demo", "test"):
        result = _make(target, f"VENV={venv}")
        assert result.returncode != 0
        assert said in result.stderr
        assert "run make clean, then make again" in result.stderr
        assert "pip" not in result.stdout  # nothing was installed into it
    assert sorted(p.name for p in venv.rglob("*")) == before


def test_a_venv_of_a_supported_python_passes_the_check() -> None:
    if sys.prefix == sys.base_prefix:
        pytest.skip("the tests are not running in a virtual environment")
    result = _make("check-python", f"VENV={sys.prefix}")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_make_refuses_a_python_too_old_to_make_the_venv(tmp_path: Path) -> None:
    old_python = tmp_path / "python3.10"
    _write_executable(old_python, "#!/bin/sh\necho 3.10\n")
    result = _make("demo", f"VENV={tmp_path / 'none'}", f"PYTHON={old_python}")
    assert result.returncode != 0
    assert "is not Python 3.11 or later" in result.stderr
    assert not (tmp_path / "none").exists()
