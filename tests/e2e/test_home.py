"""The App Home tab: what awaits a member's vote, the staff pipeline, the size of the network."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.blocks.home import build_home
from bot.domain import ids
from bot.domain.clock import FixedClock
from bot.runtime import Runtime
from bot.sending.context import Deps
from bot.sending.posts import try_post_application
from bot.services.home import gather_home
from bot.standin import SignedSlackClient, SlackStandIn, render_blocks_as_text
from bot.standin.server import validate_view
from models.db import SessionFactory, transaction
from models.tables import Application, ApplicationStatus, CheckIn, Conflict, Decision, Vote
from tests import factories
from tests.conftest import OUTSIDER, STAFF
from tests.e2e.helpers_review import add_roster, one_of_each
from tests.network_data import membership, seed_network

AMIRA = "U0AMIRA001"  # lived experience
GARETH = "U0GARETH01"  # officer


async def _seed(sessions: SessionFactory, clock: FixedClock) -> None:
    now = clock.now()
    today = now.date()
    async with transaction(sessions) as session:
        await seed_network(session, now)  # 3 members; Bradford lapsed
        amira = await factories.member(session, AMIRA, "lived", at=now)
        gareth = await factories.member(session, GARETH, "officer", at=now)
        york = await factories.council(session, code="E06000014", name="City of York", at=now)
        wigan = await factories.council(session, code="E08000010", name="Wigan Council", at=now)
        hull = await factories.council(session, code="E06000010", name="Hull City Council", at=now)
        derby = await factories.council(session, code="E06000015", name="Derby City", at=now)
        york_app = await factories.application(
            session, at=now, council_row=york, deadline=timedelta(days=3)
        )
        wigan_app = await factories.application(session, at=now, council_row=wigan)
        hull_app = await factories.application(session, at=now, council_row=hull)
        derby_app = await factories.application(session, at=now, council_row=derby)
        hull_app.status = ApplicationStatus.FURTHER_WORK
        derby_app.status = ApplicationStatus.DECLINED
        # Amira voted on Wigan; Gareth is recused from York.
        session.add(
            Vote(
                application_id=wigan_app.id,  # type: ignore[arg-type]
                round=1,
                member_id=amira.id,  # type: ignore[arg-type]
                constituency=amira.constituency,
                choice="approve",
                cast_at=now,
            )
        )
        session.add(
            Conflict(
                application_id=york_app.id,  # type: ignore[arg-type]
                slack_user_id=gareth.slack_user_id,
                member_id=gareth.id,
                reason="I work for the council",
                declared_at=now,
            )
        )
        session.add(
            Decision(
                application_id=derby_app.id,  # type: ignore[arg-type]
                round=1,
                outcome="declined",
                rationale="No strategy yet.",
                decided_by=STAFF,
                decided_at=now - timedelta(days=5),
            )
        )
        ending = await factories.council(session, code="E06000018", name="Nottingham", at=now)
        await membership(
            session, ending, today - timedelta(days=1000), today + timedelta(days=40), at=now
        )


async def _home(slack: SignedSlackClient, standin: SlackStandIn, user: str) -> str:
    await slack.event({"type": "app_home_opened", "user": user, "tab": "home"})
    await standin.wait_until(lambda: standin.home_view(user) is not None)
    view = standin.home_view(user)
    assert view is not None
    assert validate_view(view, kind="home") == []
    return render_blocks_as_text("", view["blocks"]).replace("*", "")  # bold aside


async def test_member_sees_what_awaits_their_vote_and_their_recusals(
    bot: Runtime,
    slack: SignedSlackClient,
    standin: SlackStandIn,
    sessions: SessionFactory,
    clock: FixedClock,
) -> None:
    await _seed(sessions, clock)
    amira = await _home(slack, standin, AMIRA)
    waiting = amira.split("Waiting for your vote")[1]
    assert "City of York (round 1): deadline 5 March 2026 (in 3 days)" in waiting
    assert "Wigan" not in waiting  # she voted
    assert "Hull" not in waiting  # further work: not under review
    assert "network has 4 member councils" in amira
    assert "Pipeline" not in amira  # not staff
    gareth = await _home(slack, standin, GARETH)
    assert "You are recused from" in gareth
    recused = gareth.split("You are recused from")[1]
    assert "City of York" in recused
    assert "City of York" not in gareth.split("Waiting for your vote")[1].split("recused")[0]
    assert "Wigan Council (round 1)" in gareth


async def test_staff_see_the_pipeline(
    bot: Runtime,
    slack: SignedSlackClient,
    standin: SlackStandIn,
    sessions: SessionFactory,
    clock: FixedClock,
) -> None:
    await _seed(sessions, clock)
    home = await _home(slack, standin, STAFF)
    under = home.split("Under review")[1].split("Waiting for evidence")[0]
    assert "City of York (round 1): deadline 5 March 2026 (in 3 days); 0 votes; missing" in under
    assert "Wigan Council (round 1)" in under and "1 vote;" in under
    evidence = home.split("Waiting for evidence")[1].split("Decided")[0]
    assert "Hull City Council" in evidence
    decided = home.split("Decided in the last 30 days")[1].split("Memberships ending")[0]
    assert "Derby City: Declined on 25 February 2026" in decided
    ending = home.split("Memberships ending within 90 days")[1]
    assert "Nottingham: ends 11 April 2026 (in 40 days)" in ending
    assert "Leeds" not in ending  # ends in 2028


async def test_someone_not_on_the_roster_sees_the_network_size_only(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    home = await _home(slack, standin, OUTSIDER)
    assert "The network has 0 member councils" in home
    assert "not on the working-group roster" in home


async def test_home_data_takes_a_bounded_number_of_queries_and_fits_100_blocks(
    deps: Deps, engine: AsyncEngine, sessions: SessionFactory, clock: FixedClock
) -> None:
    now = clock.now()
    async with transaction(sessions) as session:
        await factories.member(session, STAFF, "national", at=now)
        for i in range(120):
            c = await factories.council(session, code=f"local:c{i}", name=f"Council {i}", at=now)
            await factories.application(session, at=now, council_row=c)
            term = await membership(
                session,
                c,
                now.date() - timedelta(days=1000),
                now.date() + timedelta(days=i),
                at=now,
            )
            assert term.id is not None
            session.add(
                CheckIn(membership_id=term.id, what=f"Progress {i}", logged_by=STAFF, logged_at=now)
            )
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        async with sessions() as session:
            data = await gather_home(
                session, STAFF, staff={STAFF}, now=now, today=now.date(), rules=deps.settings.rules
            )
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # Nine, and one for the progress logged at check-ins; the network size is one count.
    assert len(selects) <= 10
    assert len(data.awaiting_vote) == 120
    assert data.staff is not None and len(data.staff.progress) == 120
    view = build_home(data, tz=deps.settings.timezone, now=now).to_dict()
    assert validate_view(view, kind="home") == []
    assert "and 95 more" in str(view)


def _home_text(standin: SlackStandIn, user: str) -> str:
    view = standin.home_view(user)
    assert view is not None
    return render_blocks_as_text("", view["blocks"])


async def test_a_members_home_follows_a_new_post_and_their_vote(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    """Kept current: the Home changes without being opened again."""
    await add_roster(bot.deps, standin)
    amira = one_of_each()["lived"]
    await slack.event({"type": "app_home_opened", "user": amira, "tab": "home"})
    await standin.wait_until(lambda: standin.home_view(amira) is not None)
    assert "Sheffield" not in _home_text(standin, amira)

    # A registered application reaches the channel (the path of the form and the retry job).
    async with transaction(bot.deps.sessions) as session:
        application = await factories.application(session, at=bot.deps.clock.now(), posted=False)
        app_id = application.id
    assert app_id is not None
    assert (await try_post_application(bot.deps, bot.client, app_id)).posted
    await standin.wait_until(lambda: "Sheffield City Council" in _home_text(standin, amira))
    async with bot.deps.sessions() as session:
        posted = await session.get(Application, app_id)
        assert posted is not None and posted.message_ts is not None
        ts = posted.message_ts

    # Amira votes: it no longer awaits her vote.
    await slack.block_action(amira, ids.VOTE_APPROVE, message_ts=ts, value=f"{app_id}:1")
    await standin.wait_until(lambda: "Sheffield" not in _home_text(standin, amira))
