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


def _run_ci(repo: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(CI="true", TEST_DATABASE_URL="postgresql+asyncpg://leaked@example/db")
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
    for header in ("Tests on SQLite", "Tests on PostgreSQL", "Lint", "CI passed"):
        assert header in out
    assert "1 passed, 1 skipped" in out  # SQLite
    assert "2 passed" in out  # PostgreSQL
    assert f"TEST_DATABASE_URL={STUB_URL}" in out
    assert "lint ran" in out
    assert _pg_calls(repo) == ["start", "stop"]


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
