"""`/sanctuary history <council>` and `sanctuary-bot export --audit`."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import cli
from bot.blocks.history import build_history
from bot.domain.clock import FixedClock
from bot.runtime import Runtime
from bot.services import audit
from bot.services.history import HistoryItem
from bot.standin import SignedSlackClient, SlackStandIn, render_blocks_as_text
from bot.standin.server import validate_blocks
from models.db import SessionFactory, transaction
from models.tables import Council
from tests import factories
from tests.conftest import OUTSIDER, STAFF

AMIRA = "U0AMIRA001"
YONAS = "U0YONAS001"
GARETH = "U0GARETH01"  # a member of the working group who did nothing in the story


async def _sheffield_story(sessions: SessionFactory, clock: FixedClock) -> None:
    """Registered, posted, voted, changed, conflict, comment, decided, membership, nag."""
    t = datetime(2026, 3, 12, 14, 5, tzinfo=UTC)  # GMT: 14:05 in London
    async with transaction(sessions) as session:
        app = await factories.application(session, at=t)
        other = await factories.council(session, code="E08000035", name="Leeds City Council", at=t)
        c, a = app.council_id, app.id
        for user, constituency in ((AMIRA, "lived"), (YONAS, "lived"), (GARETH, "officer")):
            await factories.member(session, user, constituency, at=t)

        def log(minutes: int, actor: str, action: str, **detail: object) -> None:
            at = t + timedelta(minutes=minutes)
            trail = audit.Trail(session, at=at, actor=actor, council_id=c, application_id=a)
            trail.record(action, **detail)

        log(0, STAFF, "application.registered", kind="new")
        log(1, "system", "application.posted", round=1)
        log(10, AMIRA, "vote.cast", choice="abstain")
        log(20, AMIRA, "vote.changed", choice="approve", previous="abstain")
        log(30, YONAS, "conflict.declared", reason="I volunteer with the local group")
        log(40, YONAS, "comment.added")
        log(60 * 24 * 20, STAFF, "decision.recorded", outcome="approved", round=1)
        log(
            60 * 24 * 20,
            STAFF,
            "membership.created",
            starts_on="2026-04-01",
            ends_on="2029-04-01",
        )
        log(60 * 24 * 365 * 2, "system", "renewal.nag_sent", offset_days=90)
        audit.about(session, other, at=t, actor=STAFF).record("member.added")


async def _reply(standin: SlackStandIn) -> tuple[str, dict[str, object]]:
    await standin.wait_until(lambda: bool(standin.responses()))
    body = standin.responses()[-1].body
    return render_blocks_as_text(body["text"], body.get("blocks"), users={AMIRA: "Amira"}), body


async def _history_as(slack: SignedSlackClient, standin: SlackStandIn, user: str) -> str:
    before = len(standin.responses())
    await slack.slash_command(user, "history sheffield")
    await standin.wait_until(lambda: len(standin.responses()) > before)
    body = standin.responses()[-1].body
    assert body["response_type"] == "ephemeral"
    return render_blocks_as_text(body["text"], body.get("blocks"), users={AMIRA: "Amira"})


async def test_staff_see_the_whole_timeline_newest_last_in_local_time(
    bot: Runtime,
    slack: SignedSlackClient,
    standin: SlackStandIn,
    sessions: SessionFactory,
    clock: FixedClock,
) -> None:
    await _sheffield_story(sessions, clock)
    shown = await _history_as(slack, standin, STAFF)
    assert "12 Mar 2026 14:05 · " in shown and "registered the application" in shown
    assert "12 Mar 2026 14:25 · @Amira voted Approve (was Abstain)" in shown  # who voted what
    assert "declared a conflict of interest" in shown
    assert "I volunteer" not in shown  # the reason is for the decision form, not a timeline
    assert "commented in the thread" in shown
    assert "recorded the decision: Approved" in shown
    assert "Membership began from 1 April 2026 to 1 April 2029" in shown
    assert "90 days before the membership ends" in shown
    assert "1 Apr 2026 15:05 · " in shown  # 14:05 UTC, in British Summer Time
    # newest last
    assert shown.index("registered") < shown.index("voted Approve") < shown.index("Renewal")
    assert "member added" not in shown  # Leeds's entry is not Sheffield's


async def test_an_outsider_sees_the_stage_and_dates_and_no_one(
    bot: Runtime,
    slack: SignedSlackClient,
    standin: SlackStandIn,
    sessions: SessionFactory,
    clock: FixedClock,
) -> None:
    await _sheffield_story(sessions, clock)
    shown = await _history_as(slack, standin, OUTSIDER)
    assert "12 Mar 2026 14:05 · Staff registered the application" in shown
    assert "Posted to the working group for review (round 1)" in shown
    assert "Staff recorded the decision: Approved (round 1)" in shown
    assert "Membership began from 1 April 2026 to 1 April 2029" in shown
    assert "90 days before the membership ends" in shown
    for secret in ("Amira", AMIRA, YONAS, STAFF, "voted", "Approve (", "conflict", "commented"):
        assert secret not in shown, secret


async def test_a_member_sees_who_did_what_but_not_who_voted_what(
    bot: Runtime,
    slack: SignedSlackClient,
    standin: SlackStandIn,
    sessions: SessionFactory,
    clock: FixedClock,
) -> None:
    await _sheffield_story(sessions, clock)
    shown = await _history_as(slack, standin, GARETH)
    assert "12 Mar 2026 14:15 · A member voted" in shown
    assert "12 Mar 2026 14:25 · A member voted" in shown
    assert "Amira" not in shown and "Approve (was" not in shown and "Abstain" not in shown
    assert "declared a conflict of interest" in shown and "I volunteer" not in shown
    assert "commented in the thread" in shown
    assert "recorded the decision: Approved" in shown
    # Amira sees her own votes.
    own = await _history_as(slack, standin, AMIRA)
    assert "12 Mar 2026 14:25 · @Amira voted Approve (was Abstain)" in own


async def test_history_by_exact_code_several_matches_and_none(
    bot: Runtime,
    slack: SignedSlackClient,
    standin: SlackStandIn,
    sessions: SessionFactory,
    clock: FixedClock,
) -> None:
    await _sheffield_story(sessions, clock)
    await slack.slash_command(STAFF, "history e08000019")
    shown, _ = await _reply(standin)
    assert "History: Sheffield City Council" in shown
    await slack.slash_command(STAFF, "history city council")
    await standin.wait_until(lambda: len(standin.responses()) == 2)
    shown, _ = await _reply(standin)
    assert "Several councils match" in shown
    assert "Leeds City Council" in shown and "Sheffield City Council" in shown
    await slack.slash_command(STAFF, "history <!channel>%")
    await standin.wait_until(lambda: len(standin.responses()) == 3)
    shown, body = await _reply(standin)
    assert "can't find a council matching “<!channel>%”" in shown
    assert "<!channel>" not in json.dumps(body)


def test_a_long_history_keeps_the_newest_and_counts_the_earlier() -> None:
    council = Council(code="E08000019", name="Sheffield", created_at=datetime.now(UTC))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    items = [
        HistoryItem(
            start + timedelta(minutes=i), AMIRA, "vote.changed", 1, {"choice": "approve", "n": i}
        )
        for i in range(2000)
    ]
    _text, blocks = build_history(council, items, tz=ZoneInfo("Europe/London"))
    dicts = [b.to_dict() for b in blocks]
    assert validate_blocks(dicts, limit=50) == []
    rendered = "\n".join(str(d) for d in dicts)
    assert "and 1850 earlier entries" in rendered
    assert "2 Jan 2026 09:19" in rendered  # the last entry (minute 1999) is shown
    assert "1 Jan 2026 00:00 " not in rendered  # the first is among the earlier ones cut


async def test_export_audit_writes_the_log_as_csv(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    database_url: str,
    sessions: SessionFactory,
    clock: FixedClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    await _sheffield_story(sessions, clock)
    assert await asyncio.to_thread(cli.main, ["export", "--audit"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert list(rows[0]) == ["at", "actor", "action", "council", "application", "detail"]
    assert len(rows) == 10
    changed = next(r for r in rows if r["action"] == "vote.changed")
    assert changed["actor"] == AMIRA
    assert changed["council"] == "Sheffield City Council"
    assert changed["at"] == "2026-03-12T14:25:00+00:00"
    assert json.loads(changed["detail"]) == {"choice": "approve", "previous": "abstain"}
