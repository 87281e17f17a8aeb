"""A `sanctuary-bot` command as a real process, against the stand-in (start-up, doctor)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
BOT = [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
