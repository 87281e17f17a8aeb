"""The voting, conflict and decision rules against the real database."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.blocks import button_value
from bot.blocks.mentions import parse_user_ref, split_words
from bot.blocks.refusals import explain
from bot.domain.clock import FixedClock
from bot.domain.config import ReviewRules
from bot.domain.refusals import Refusal, Refused
from bot.services.applications import load_view
from bot.services.comments import add_comment, claim_event, delete_comment, edit_comment
from bot.services.decisions import record_decision
from bot.services.roster import add_member, remove_member
from bot.services.voting import declare_conflict, record_vote
from models.db import SessionFactory, transaction
from models.tables import (
    Application,
    AuditEntry,
    Comment,
    Membership,
    Outcome,
    ReviewRound,
    Vote,
    VoteChange,
    VoteChoice,
)
from tests import factories

RULES = ReviewRules()
STAFF = frozenset({"U0STAFF001", "S"})
TZ = ZoneInfo("Europe/London")
A, F, D, X = VoteChoice.APPROVE, VoteChoice.FURTHER_WORK, VoteChoice.DECLINE, VoteChoice.ABSTAIN


async def _setup(sessions: SessionFactory, clock: FixedClock) -> int:
    async with transaction(sessions) as session:
        application = await factories.application(session, at=clock.now())
        for user, constituency in [
            ("U0LIVED001", "lived"),
            ("U0CLLR0001", "councillor"),
            ("U0GROUP001", "group"),
            ("U0TRUST001", "trustee"),
        ]:
            await factories.member(session, user, constituency, at=clock.now())
        assert application.id is not None
        return application.id


async def _vote(
    sessions: SessionFactory,
    app_id: int,
    voter: str,
    choice: VoteChoice,
    clock: FixedClock,
    round: int = 1,
) -> None:
    async with transaction(sessions) as session:
        await record_vote(
            session,
            application_id=app_id,
            round=round,
            voter=voter,
            choice=choice,
            now=clock.now(),
        )


async def _refusal(coro: object) -> Refusal:
    with pytest.raises(Refused) as caught:
        await coro  # type: ignore[misc]
    return caught.value.reason


def test_user_refs_and_button_values() -> None:
    assert parse_user_ref("<@U0123ABC|amira>") == "U0123ABC"
    assert parse_user_ref("<@U0123ABC>") == "U0123ABC"
    assert parse_user_ref("U0123ABC") == "U0123ABC"
    assert parse_user_ref("@amira") is None
    assert parse_user_ref("<!channel>") is None
    assert split_words(" <@U0CLLR1|Cllr Patel>  councillor ") == [
        "<@U0CLLR1|Cllr Patel>",
        "councillor",
    ]
    assert split_words("U0A lived extra") == ["U0A", "lived", "extra"]
    assert button_value.decode(button_value.encode(12, 3)) == (12, 3)
    assert button_value.decode_id(button_value.encode_id(12)) == 12
    assert button_value.decode_id("12:3") == 12  # the review buttons' value names it too
    assert button_value.decode("12:3") == (12, 3)
    assert button_value.decode("12") is None
    assert button_value.decode("x:1") is None


async def test_one_current_vote_with_every_change_kept(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    app_id = await _setup(sessions, clock)
    await _vote(sessions, app_id, "U0LIVED001", A, clock)
    clock.advance(timedelta(hours=1))
    await _vote(sessions, app_id, "U0LIVED001", D, clock)
    await _vote(sessions, app_id, "U0LIVED001", D, clock)  # a repeat changes nothing
    async with sessions() as session:
        votes = (await session.exec(select(Vote))).all()
        changes = (await session.exec(select(VoteChange).order_by(col(VoteChange.id)))).all()
        audit = (await session.exec(select(AuditEntry.action).order_by(col(AuditEntry.id)))).all()
    assert [(v.choice, v.cast_at) for v in votes] == [("decline", clock.now())]
    assert [c.choice for c in changes] == ["approve", "decline"]
    assert changes[0].at < changes[1].at
    assert audit == ["vote.cast", "vote.changed"]


async def test_refusals(sessions: SessionFactory, clock: FixedClock) -> None:
    app_id = await _setup(sessions, clock)
    async with transaction(sessions) as session:
        assert (
            await _refusal(
                record_vote(
                    session,
                    application_id=app_id,
                    round=1,
                    voter="U0NOBODY1",
                    choice=A,
                    now=clock.now(),
                )
            )
            == Refusal.NOT_MEMBER
        )
        assert (
            await _refusal(
                record_vote(
                    session,
                    application_id=app_id,
                    round=2,
                    voter="U0LIVED001",
                    choice=A,
                    now=clock.now(),
                )
            )
            == Refusal.OLD_ROUND
        )
        assert (
            await _refusal(
                record_vote(
                    session,
                    application_id=999,
                    round=1,
                    voter="U0LIVED001",
                    choice=A,
                    now=clock.now(),
                )
            )
            == Refusal.NOT_FOUND
        )
    async with transaction(sessions) as session:
        await remove_member(
            session, user_id="U0GROUP001", actor="U0STAFF001", staff=STAFF, now=clock.now()
        )
    async with transaction(sessions) as session:
        assert (
            await _refusal(
                record_vote(
                    session,
                    application_id=app_id,
                    round=1,
                    voter="U0GROUP001",
                    choice=A,
                    now=clock.now(),
                )
            )
            == Refusal.NOT_MEMBER
        )


async def test_conflict_withdraws_the_vote_and_recuses(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    app_id = await _setup(sessions, clock)
    await _vote(sessions, app_id, "U0TRUST001", A, clock)
    async with transaction(sessions) as session:
        assert (
            await _refusal(
                declare_conflict(
                    session,
                    application_id=app_id,
                    member_user_id="U0TRUST001",
                    reason=" ",
                    now=clock.now(),
                )
            )
            == Refusal.BAD_REASON
        )
    async with transaction(sessions) as session:
        result = await declare_conflict(
            session,
            application_id=app_id,
            member_user_id="U0TRUST001",
            reason="Councillor there until 2024",
            now=clock.now(),
        )
    assert result.withdrawn == A
    async with transaction(sessions) as session:
        assert (
            await _refusal(
                record_vote(
                    session,
                    application_id=app_id,
                    round=1,
                    voter="U0TRUST001",
                    choice=A,
                    now=clock.now(),
                )
            )
            == Refusal.RECUSED
        )
        assert (
            await _refusal(
                declare_conflict(
                    session,
                    application_id=app_id,
                    member_user_id="U0TRUST001",
                    reason="again",
                    now=clock.now(),
                )
            )
            == Refusal.ALREADY_DECLARED
        )
        view = await load_view(session, app_id)
        changes = (await session.exec(select(VoteChange.choice))).all()
    assert view.tally.total == 0
    assert view.recused == (("U0TRUST001", "Councillor there until 2024"),)
    assert changes == ["approve", None]


async def _decide(
    sessions: SessionFactory,
    app_id: int,
    clock: FixedClock,
    outcome: Outcome,
    reason: str | None = None,
) -> None:
    async with transaction(sessions) as session:
        await record_decision(
            session,
            application_id=app_id,
            round=1,
            outcome=outcome,
            rationale="Well evidenced",
            without_quorum_reason=reason,
            decided_by="U0STAFF001",
            staff=STAFF,
            now=clock.now(),
            rules=RULES,
            timezone=TZ,
        )


async def test_decision_needs_quorum_or_a_reason_and_freezes_votes(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    app_id = await _setup(sessions, clock)
    await _vote(sessions, app_id, "U0LIVED001", A, clock)
    with pytest.raises(Refused) as caught:
        await _decide(sessions, app_id, clock, Outcome.APPROVED)
    assert caught.value.field == "no_quorum"
    for user in ("U0CLLR0001", "U0GROUP001", "U0TRUST001"):
        await _vote(sessions, app_id, user, A, clock)
    await _decide(sessions, app_id, clock, Outcome.APPROVED)
    with pytest.raises(Refused) as caught:
        await _decide(sessions, app_id, clock, Outcome.DECLINED)
    assert "already recorded" in explain(caught.value)
    async with transaction(sessions) as session:
        assert (
            await _refusal(
                record_vote(
                    session,
                    application_id=app_id,
                    round=1,
                    voter="U0LIVED001",
                    choice=D,
                    now=clock.now(),
                )
            )
            == Refusal.DECIDED
        )
    async with sessions() as session:
        application = await session.get(Application, app_id)
        review_round = (await session.exec(select(ReviewRound))).one()
        membership = (await session.exec(select(Membership))).one()
    assert application is not None and application.status == "approved"
    assert review_round.closed_at == clock.now()
    assert (membership.starts_on.isoformat(), membership.ends_on.isoformat()) == (
        "2026-03-02",
        "2029-03-02",
    )


async def test_only_staff_decide_and_keep_the_roster(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    app_id = await _setup(sessions, clock)
    for user in ("U0LIVED001", "U0CLLR0001", "U0GROUP001", "U0TRUST001"):
        await _vote(sessions, app_id, user, A, clock)
    async with sessions() as session:
        for change in (
            record_decision(
                session,
                application_id=app_id,
                round=1,
                outcome=Outcome.APPROVED,
                rationale="Well evidenced",
                without_quorum_reason=None,
                decided_by="U0LIVED001",  # a member of the working group, not staff
                staff=STAFF,
                now=clock.now(),
                rules=RULES,
                timezone=TZ,
            ),
            add_member(
                session,
                user_id="U0NEW00001",
                keyword="lived",
                actor="U0LIVED001",
                staff=STAFF,
                now=clock.now(),
            ),
            remove_member(
                session, user_id="U0CLLR0001", actor="U0LIVED001", staff=STAFF, now=clock.now()
            ),
        ):
            assert await _refusal(change) == Refusal.NOT_STAFF
        application = await session.get(Application, app_id)
    assert application is not None and application.status == "under_review"


async def test_rounds_are_separate(sessions: SessionFactory, clock: FixedClock) -> None:
    """Further work, then a new round (opened by the evidence editor): votes start afresh."""
    app_id = await _setup(sessions, clock)
    for user in ("U0LIVED001", "U0CLLR0001", "U0GROUP001", "U0TRUST001"):
        await _vote(sessions, app_id, user, F, clock)
    await _decide(sessions, app_id, clock, Outcome.FURTHER_WORK)
    async with transaction(sessions) as session:
        application = await session.get(Application, app_id)
        assert application is not None and application.status == "further_work"
        assert (
            await _refusal(
                record_vote(
                    session,
                    application_id=app_id,
                    round=1,
                    voter="U0LIVED001",
                    choice=A,
                    now=clock.now(),
                )
            )
            == Refusal.DECIDED
        )
        # What the "Edit evidence" flow does when the evidence is updated.
        application.current_round = 2
        application.status = "under_review"
        session.add(application)
        session.add(ReviewRound(application_id=app_id, number=2, opened_at=clock.now()))
    await _vote(sessions, app_id, "U0LIVED001", A, clock, round=2)
    async with sessions() as session:
        view = await load_view(session, app_id)
        old = (await session.exec(select(Vote).where(Vote.round == 1))).all()
    assert view.tally.total == 1 and len(old) == 4
    assert view.decision is None and len(view.decisions) == 1


async def test_roster_add_move_reactivate(sessions: SessionFactory, clock: FixedClock) -> None:
    async with transaction(sessions) as session:
        with pytest.raises(Refused) as caught:
            await add_member(
                session, user_id="U0A", keyword="refugee", actor="S", staff=STAFF, now=clock.now()
            )
        assert "`lived`, `councillor`" in explain(caught.value)
        first = await add_member(
            session, user_id="U0AB", keyword="lived", actor="S", staff=STAFF, now=clock.now()
        )
        moved = await add_member(
            session, user_id="U0AB", keyword="group", actor="S", staff=STAFF, now=clock.now()
        )
        await remove_member(session, user_id="U0AB", actor="S", staff=STAFF, now=clock.now())
        back = await add_member(
            session, user_id="U0AB", keyword="group", actor="S", staff=STAFF, now=clock.now()
        )
    assert [first.change, moved.change, back.change] == ["added", "moved", "reactivated"]


async def test_comments_once_with_edits_and_deletions(
    sessions: SessionFactory, clock: FixedClock
) -> None:
    app_id = await _setup(sessions, clock)
    thread = "1700000000.000100"
    for _ in range(2):
        async with transaction(sessions) as session:
            if await claim_event(session, "Ev1", clock.now()):
                await add_comment(
                    session,
                    channel="C0WORKGRP1",
                    thread_ts=thread,
                    ts="1700000001.000100",
                    user="U0GROUP001",
                    text="Good",
                    now=clock.now(),
                )
    async with transaction(sessions) as session:
        # Another delivery of the same message under a new event id is still one comment.
        again = await add_comment(
            session,
            channel="C0WORKGRP1",
            thread_ts=thread,
            ts="1700000001.000100",
            user="U0GROUP001",
            text="Good",
            now=clock.now(),
        )
        assert again is None
        elsewhere = await add_comment(
            session,
            channel="C0WORKGRP1",
            thread_ts="1.2",
            ts="1700000002.000100",
            user="U0GROUP001",
            text="Hi",
            now=clock.now(),
        )
        assert elsewhere is None
    async with transaction(sessions) as session:
        await edit_comment(
            session,
            channel="C0WORKGRP1",
            ts="1700000001.000100",
            text="Very good",
            user="U0GROUP001",
            now=clock.now(),
        )
    async with transaction(sessions) as session:
        await delete_comment(session, channel="C0WORKGRP1", ts="1700000001.000100", now=clock.now())
    async with sessions() as session:
        comment = (await session.exec(select(Comment))).one()
        actions = (await session.exec(select(AuditEntry.action).order_by(col(AuditEntry.id)))).all()
    assert comment.application_id == app_id and comment.round == 1
    assert comment.text is None and comment.deleted_at is not None
    assert comment.edited_at is not None
    assert actions == ["comment.added", "comment.edited", "comment.deleted"]
