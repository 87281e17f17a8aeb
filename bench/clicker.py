"""Signed clicks sent from a process of their own, as Slack's come from outside the bot.

A client on the bot's own event loop reads each answer only when the loop comes round to it:
after a burst, the bot's handlers had all answered 20 ms after the first click, while such a
client read the answers 30-43 ms after, behind the bot's work on the votes (the bare app, with no
work after its ack, did not pay that). So the clicks are sent, and their round trips timed, by a
small aiohttp program in a child process, bot and bare app alike; the parent builds and signs
the bodies and hands them over a pipe. Only the loopback address is ever contacted.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

from bench.common import signed

# The child: reads one job per line (a URL and the requests), sends them all at once, and
# answers one line per job: for each request [wall-clock time sent, seconds to the answer,
# HTTP status, the start of the answer's body].
_PROGRAM = r"""
import asyncio, base64, json, sys, time, aiohttp

async def main():
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        async def one(url, body, headers):
            sent, started = time.time(), time.perf_counter()
            async with http.post(url, data=base64.b64decode(body), headers=headers) as reply:
                text = await reply.text()
                return [sent, time.perf_counter() - started, reply.status, text[:200]]
        while line := await reader.readline():
            job = json.loads(line)
            answers = await asyncio.gather(*(one(job["url"], b, h) for b, h in job["requests"]))
            sys.stdout.write(json.dumps(answers) + "\n")
            sys.stdout.flush()

asyncio.run(main())
"""


@dataclass(frozen=True)
class Click:
    sent: float  # wall-clock time (time.time()) at which it was sent
    seconds: float  # the HTTP round trip: until the answer was read


class Clicker:
    """The child process; `post` sends bodies to a URL at once and times each answer."""

    def __init__(self) -> None:
        self._process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> Clicker:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _PROGRAM,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        process = self._process
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()

    async def post(self, url: str, bodies: Sequence[bytes]) -> list[Click]:
        """POST each body, signed, to `url` all at once; raises if any answer is not a 200."""
        process = self._process
        assert process is not None and process.stdin is not None and process.stdout is not None
        requests = [[base64.b64encode(body).decode(), signed(body)] for body in bodies]
        process.stdin.write(json.dumps({"url": url, "requests": requests}).encode() + b"\n")
        await process.stdin.drain()
        line = await process.stdout.readline()
        if not line:
            raise RuntimeError("the clicking process stopped")
        clicks = []
        for sent, seconds, status, text in json.loads(line):
            if status != 200:
                raise RuntimeError(f"click answered HTTP {status}: {text}")
            clicks.append(Click(sent=sent, seconds=seconds))
        return clicks
