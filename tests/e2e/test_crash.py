"""A real `sanctuary-bot run` process killed (SIGKILL) in the middle of things, then restarted.

Slack never delivers again what it got a 200 for. So whatever was acknowledged must be found in
the database after the restart, each person told, and every post equal to a fresh render of the
database soon after: the promise of DESIGN.md, "Guarantees", tried at several moments of a
burst of votes, of thread replies, and of a decision, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.blocks.application import build_application_message
from bot.domain import ids
from bot.domain.constituencies import CONSTITUENCIES
from bot.sending.context import Deps
from bot.services.applications import load_view
from bot.services.inbox import InboxStore, open_store
from bot.standin import (
    APP_TOKEN,
    CHANNEL_ID,
    Reply,
    SignedSlackClient,
    SlackStandIn,
    render_blocks_as_text,
)
from models.tables import Comment, Decision, InboundRequest, Vote
from tests.conftest import SIGNING_SECRET, STAFF
from tests.e2e.helpers_review import add_roster, post_application

PROJECT = str(Path(__file__).resolve().parents[2])
BOT = [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]
KEYWORDS = list(CONSTITUENCIES)
MEMBERS = {f"U0CRASH{n:03d}": (f"Member {n}", KEYWORDS[n % len(KEYWORDS)]) for n in range(50)}
SETTLE_SECONDS = 60  # "within a minute of the restart"
T = TypeVar("T")


class BotProcess:
    """`sanctuary-bot run` in HTTP mode on a free port, against the stand-in."""

    def __init__(
        self, database_url: str, standin: SlackStandIn, folder: Path, *, socket_mode: bool = False
    ) -> None:
        self.standin = standin
        self.socket_mode = socket_mode
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = folder
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": PROJECT,
            "SLACK_BOT_TOKEN": "xoxb-standin-token",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SANCTUARY_CHANNEL": CHANNEL_ID,
            "SANCTUARY_STAFF": STAFF,
            "SLACK_API_URL": standin.api_url,
            "DATABASE_URL": database_url,
            "PORT": str(self.port),
        }
        if socket_mode:
            self.env["SLACK_APP_TOKEN"] = APP_TOKEN
            del self.env["SLACK_SIGNING_SECRET"]
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        log = (self.folder / "bot.log").open("ab")
        self.process = await asyncio.create_subprocess_exec(
            *BOT, "run", cwd=self.folder, env=self.env, stdout=log, stderr=log
        )
        log.close()
        if self.socket_mode:
            opened = self.standin.socket_mode.opened
            for _ in range(300):
                assert self.process.returncode is None, self.log()
                if self.standin.socket_mode.opened > opened:
                    return
                await asyncio.sleep(0.1)
            raise AssertionError("the bot never connected in Socket Mode:\n" + self.log())
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                assert self.process.returncode is None, self.log()
                try:
                    async with http.get(self.url + "/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError("the bot never became healthy:\n" + self.log())

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout=20)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()

    def log(self) -> str:
        path = self.folder / "bot.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


@dataclass
class Scene:
    deps: Deps
    standin: SlackStandIn
    bot: BotProcess
    applications: list[tuple[int, str]]  # (id, post ts)
    inbox: InboxStore  # where the bot keeps the requests it acknowledged


@pytest.fixture
async def scene(
    deps: Deps, engine: AsyncEngine, standin: SlackStandIn, database_url: str, tmp_path: Path
) -> AsyncIterator[Scene]:
    now = datetime.now(UTC)
    await add_roster(deps, standin, MEMBERS)
    standin.add_user(STAFF, "Alex Staff")
    applications = [
        await post_application(
            deps, standin, at=now, council_name=f"Council {n}", code=f"E0700{n:04d}"
        )
        for n in range(5)
    ]
    bot = BotProcess(database_url, standin, tmp_path)
    await bot.start()
    store = await open_store(engine, deps.sessions)
    try:
        yield Scene(deps, standin, bot, applications, store)
    finally:
        await bot.stop()
        await store.close()


def _ok(reply: object) -> bool:
    """Acknowledged: HTTP 200, or a Socket Mode ack (a dict with the envelope id)."""
    return (isinstance(reply, Reply) and reply.status == 200) or isinstance(reply, dict)


async def _kill_after(
    bot: BotProcess, sends: Sequence[Callable[[], Awaitable[T]]], acks_before_kill: int
) -> list[T | BaseException]:
    """Send all at once; SIGKILL the bot when `acks_before_kill` of them were acknowledged."""
    acked = asyncio.Event()
    count = 0

    async def send(one: Callable[[], Awaitable[T]]) -> T:
        nonlocal count
        reply = await one()
        if _ok(reply):
            count += 1
            if count >= acks_before_kill:
                acked.set()
        return reply

    tasks = [asyncio.create_task(send(one)) for one in sends]
    await asyncio.wait_for(acked.wait(), timeout=60)
    bot.kill()
    return list(await asyncio.gather(*tasks, return_exceptions=True))


async def _eventually(check: Callable[[], Awaitable[T | None]], what: str, bot: BotProcess) -> T:
    for _ in range(SETTLE_SECONDS * 5):
        found = await check()
        if found is not None:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"not within {SETTLE_SECONDS} s of the restart: {what}\n{bot.log()}")


async def _posts_match_the_database(scene: Scene) -> bool | None:
    for application_id, ts in scene.applications:
        async with scene.deps.sessions() as session:
            view = await load_view(session, application_id)
        text, blocks = build_application_message(
            view,
            rules=scene.deps.settings.rules,
            timezone=scene.deps.settings.timezone,
            now=scene.deps.clock.now(),
        )
        fresh = render_blocks_as_text(text, [b.to_dict() for b in blocks])
        message = scene.standin.find_message(CHANNEL_ID, ts)
        assert message is not None
        if render_blocks_as_text(message.text, message.blocks) != fresh:
            return None
    return True


async def _nothing_left_unhandled(scene: Scene) -> bool | None:
    async with scene.inbox.sessions() as session:
        left = (
            await session.exec(
                select(InboundRequest.id).where(
                    InboundRequest.handled_at == None  # noqa: E711
                )
            )
        ).all()
    return True if not left else None


def _acked(clicks: Sequence[T], replies: Sequence[object]) -> list[T]:
    return [c for c, r in zip(clicks, replies, strict=True) if _ok(r)]


@pytest.mark.parametrize("acks_before_kill", [5, 100, 190], ids=["early", "mid", "late"])
async def test_every_acknowledged_vote_survives_a_kill_and_the_posts_catch_up(
    scene: Scene, acks_before_kill: int
) -> None:
    voters = list(MEMBERS)[:40]
    clicks = [(voter, app_id, ts) for voter in voters for app_id, ts in scene.applications]
    async with SignedSlackClient(scene.bot.url, SIGNING_SECRET, scene.standin) as slack:
        replies = await _kill_after(
            scene.bot,
            [
                lambda v=voter, a=app_id, t=post_ts: slack.block_action(
                    v, ids.VOTE_APPROVE, message_ts=t, value=f"{a}:1"
                )
                for voter, app_id, post_ts in clicks
            ],
            acks_before_kill,
        )
    acked = {(voter, app_id) for voter, app_id, _ in _acked(clicks, replies)}
    assert len(acked) >= acks_before_kill

    await scene.bot.start()

    async def all_acked_votes_stored() -> set[tuple[str, int]] | None:
        async with scene.deps.sessions() as session:
            rows = (await session.exec(select(Vote))).all()
            members = {m.id: m.slack_user_id for m in await _members(session)}
        stored = {(members[v.member_id], v.application_id) for v in rows}
        return stored if acked <= stored else None

    stored = await _eventually(all_acked_votes_stored, "every acknowledged vote stored", scene.bot)
    assert stored <= {(voter, app_id) for voter, app_id, _ in clicks}
    await _eventually(lambda: _nothing_left_unhandled(scene), "the inbox handled", scene.bot)
    await _eventually(lambda: _posts_match_the_database(scene), "posts re-rendered", scene.bot)
    # Each acknowledged click was answered (before the kill or after it): "recorded", or, for a
    # click whose vote was stored just before the kill, "already".
    for voter in {voter for voter, _ in acked}:
        answers = [e.text for e in scene.standin.ephemerals(voter) if "round 1" in e.text]
        assert len(answers) >= len([1 for v, _ in acked if v == voter]), (voter, answers)


async def _members(session: Any) -> Sequence[Any]:
    from models.tables import Member

    return (await session.exec(select(Member))).all()


@pytest.mark.parametrize("acks_before_kill", [3, 50, 95], ids=["early", "mid", "late"])
async def test_every_acknowledged_thread_reply_survives_a_kill(
    scene: Scene, acks_before_kill: int
) -> None:
    _, ts = scene.applications[0]
    replies_sent = [(list(MEMBERS)[n % 50], f"Comment number {n}") for n in range(100)]
    async with SignedSlackClient(scene.bot.url, SIGNING_SECRET, scene.standin) as slack:
        replies = await _kill_after(
            scene.bot,
            [
                lambda u=user, t=text: slack.message_event(u, t, thread_ts=ts)
                for user, text in replies_sent
            ],
            acks_before_kill,
        )
    acked = {text for _, text in _acked(replies_sent, replies)}

    await scene.bot.start()

    async def all_acked_comments_stored() -> set[str] | None:
        async with scene.deps.sessions() as session:
            texts = {c.text or "" for c in (await session.exec(select(Comment))).all()}
        return texts if acked <= texts else None

    stored = await _eventually(all_acked_comments_stored, "every acknowledged reply", scene.bot)
    async with scene.deps.sessions() as session:
        comments = (await session.exec(select(Comment))).all()
    assert len(comments) == len(stored)  # none twice


async def test_a_decision_acknowledged_before_a_kill_is_announced_and_shown(
    scene: Scene,
) -> None:
    app_id, ts = scene.applications[0]
    async with SignedSlackClient(scene.bot.url, SIGNING_SECRET, scene.standin) as slack:
        opened = len(scene.standin.calls("views.open"))
        await slack.block_action(STAFF, ids.RECORD_DECISION, message_ts=ts, value=f"{app_id}:1")
        await scene.standin.wait_for("views.open", count=opened + 1)
        form = scene.standin.last_view(STAFF)
        assert form is not None
        state = slack.fill_view_state(
            form,
            {
                ids.DECISION_OUTCOME_BLOCK: "approved",
                ids.DECISION_RATIONALE_BLOCK: "Strong evidence throughout.",
                ids.DECISION_NO_QUORUM_BLOCK: "The group asked staff to decide.",
            },
        )
        reply = await slack.view_submission(STAFF, form, state)
        scene.bot.kill()
    assert reply.status == 200

    await scene.bot.start()

    async def announced() -> bool | None:
        thread = scene.standin.thread(CHANNEL_ID, ts)
        return True if any("Approved" in m.text for m in thread) else None

    async with scene.deps.sessions() as session:
        assert len((await session.exec(select(Decision))).all()) == 1
    await _eventually(announced, "the decision announced in the thread", scene.bot)
    await _eventually(lambda: _posts_match_the_database(scene), "posts re-rendered", scene.bot)
    announcements = [m for m in scene.standin.thread(CHANNEL_ID, ts) if "Approved" in m.text]
    assert len(announcements) == 1


async def test_votes_acknowledged_over_socket_mode_survive_a_kill(
    deps: Deps, engine: object, standin: SlackStandIn, database_url: str, tmp_path: Path
) -> None:
    await add_roster(deps, standin, MEMBERS)
    app_id, ts = await post_application(deps, standin, at=datetime.now(UTC))
    bot = BotProcess(database_url, standin, tmp_path, socket_mode=True)
    await bot.start()
    try:
        composer = SignedSlackClient("http://127.0.0.1:9", SIGNING_SECRET, standin)
        voters = list(MEMBERS)[:40]
        payloads = [
            composer.block_action_payload(v, ids.VOTE_APPROVE, message_ts=ts, value=f"{app_id}:1")
            for v in voters
        ]
        replies = await _kill_after(
            bot,
            [lambda p=p: standin.socket_mode.send("interactive", p, timeout=20) for p in payloads],
            20,
        )
        acked = set(_acked(voters, replies))
        assert len(acked) >= 20

        await bot.start()

        async def all_acked_votes_stored() -> bool | None:
            async with deps.sessions() as session:
                members = {m.id: m.slack_user_id for m in await _members(session)}
                rows = (await session.exec(select(Vote))).all()
            return True if acked <= {members[v.member_id] for v in rows} else None

        await _eventually(all_acked_votes_stored, "every acknowledged vote stored", bot)
    finally:
        await bot.stop()
