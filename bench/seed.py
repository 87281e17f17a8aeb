"""Writing benchmark data straight into the database (no Slack round trips).

The application under test (Sheffield, posted, under review) is the same at every size; what
grows is the history around it: other councils, their decided applications with votes and audit
entries, and memberships.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import insert, text
from sqlmodel import col, select

from bot.blocks.application import build_application_message
from bot.sending.context import Deps
from bot.services.applications import load_view
from bot.standin import BOT_TOKEN, CHANNEL_ID, SlackStandIn
from models.db import transaction
from models.tables import (
    Application,
    ApplicationStatus,
    AuditEntry,
    ContactOfficer,
    Council,
    Decision,
    Member,
    Membership,
    ReviewRound,
    Vote,
)

CONSTITUENCIES = ("lived", "councillor", "officer", "group", "national", "trustee")
TARGET_COUNCIL = ("E08000019", "Sheffield City Council")
# Applications under review besides the target: the same number at every size.
OTHER_OPEN = 4
CLOSED = (ApplicationStatus.APPROVED, ApplicationStatus.DECLINED, ApplicationStatus.WITHDRAWN)
OUTCOME = {ApplicationStatus.APPROVED: "approved", ApplicationStatus.DECLINED: "declined"}
BATCH = 2000


def member_id(n: int) -> str:
    return f"U0BENCH{n:04d}"


def evidence(today: date) -> dict[str, Any]:
    return {
        "motion_date": today - timedelta(days=200),
        "motion_url": "https://democracy.example.gov.uk/motion/42",
        "charter_date": today - timedelta(days=150),
        "group_names": "City of Sanctuary group",
        "joint_work": "Joint welcome events and a refugee week programme.",
        "endorsed_by": "The local City of Sanctuary steering group",
        "endorsement_date": today - timedelta(days=30),
        "endorsement_url": "https://example.cityofsanctuary.org/endorsement",
        "strategy_url": "https://www.example.gov.uk/sanctuary-strategy",
        "strategy_kind": "standalone",
        "strategy_start": today - timedelta(days=60),
        "strategy_end": today - timedelta(days=60) + timedelta(days=3 * 366),
        "councillor_name": "Cllr Jane Doe",
        "councillor_email": "jane.doe@example.gov.uk",
        "councillor_portfolio": "Communities",
    }


async def add_roster(deps: Deps, standin: SlackStandIn | None, size: int, at: datetime) -> None:
    """`size` working-group members, constituencies in turn: U0BENCH0000, U0BENCH0001, ..."""
    rows = [
        {
            "slack_user_id": member_id(n),
            "constituency": CONSTITUENCIES[n % len(CONSTITUENCIES)],
            "active": True,
            "added_by": "U0STAFF001",
            "added_at": at,
        }
        for n in range(size)
    ]
    async with transaction(deps.sessions) as session:
        await session.execute(insert(Member), rows)
    if standin is not None:
        for n in range(size):
            standin.add_user(member_id(n), f"Member {n}")


@dataclass(frozen=True)
class Posted:
    application_id: int
    ts: str

    @property
    def value(self) -> str:
        return f"{self.application_id}:1"


async def _application_row(
    session: Any, council_id: int, at: datetime, status: str, posted: bool
) -> int:
    row = Application(
        council_id=council_id,
        status=status,
        registered_by="U0STAFF001",
        registered_at=at,
        updated_at=at,
        **evidence(at.date()),
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    session.add(
        ContactOfficer(
            application_id=row.id,
            position=0,
            name="Sam Officer",
            role="Refugee resettlement lead",
            email="sam.officer@example.gov.uk",
        )
    )
    session.add(
        ReviewRound(
            application_id=row.id,
            number=1,
            opened_at=at,
            posted_at=at if posted else None,
            deadline_at=at + timedelta(days=14) if posted else None,
        )
    )
    await session.flush()
    return row.id


async def post_application(
    deps: Deps, standin: SlackStandIn, at: datetime, code: str, name: str
) -> Posted:
    """An application under review, posted to the stand-in's channel with the real builder."""
    async with transaction(deps.sessions) as session:
        council = Council(code=code, name=name, created_at=at)
        session.add(council)
        await session.flush()
        assert council.id is not None
        application_id = await _application_row(
            session, council.id, at, ApplicationStatus.UNDER_REVIEW, posted=True
        )
        view = await load_view(session, application_id)
    text, blocks = build_application_message(
        view, rules=deps.settings.rules, timezone=deps.settings.timezone, now=deps.clock.now()
    )
    client = AsyncWebClient(token=BOT_TOKEN, base_url=standin.api_url)
    answer = await client.chat_postMessage(channel=CHANNEL_ID, text=text, blocks=blocks)
    ts = str(answer["ts"])
    async with transaction(deps.sessions) as session:
        application = await session.get(Application, application_id)
        assert application is not None
        application.channel, application.message_ts = CHANNEL_ID, ts
        session.add(application)
        for review_round in (
            await session.exec(
                select(ReviewRound).where(ReviewRound.application_id == application_id)
            )
        ).all():
            review_round.message_ts = ts
            session.add(review_round)
    return Posted(application_id, ts)


async def add_history(
    deps: Deps, *, applications: int, memberships: int, members: int, at: datetime
) -> None:
    """`applications` other applications (OTHER_OPEN under review, the rest decided or
    withdrawn, with votes, decisions and audit entries) over max(memberships, applications/2)
    councils, and `memberships` membership terms ending over the next three years."""
    councils = max(memberships, applications // 2, 1)
    today = at.date()
    async with transaction(deps.sessions) as session:
        first_member = (await session.exec(select(Member.id).order_by(col(Member.id)))).first() or 1
        council_ids: list[int] = []
        for start in range(0, councils, BATCH):
            rows = [
                {
                    "code": f"local:benchtown-{n}",
                    "name": f"Benchtown {n} Town Council",
                    "authority_type": "Town council",
                    "nation": "England",
                    "region": "South West",
                    "created_at": at - timedelta(days=3000),
                }
                for n in range(start, min(councils, start + BATCH))
            ]
            result = await session.execute(insert(Council).returning(col(Council.id)), rows)
            council_ids += [int(i) for i in result.scalars()]
        for start in range(0, applications, BATCH):
            batch = range(start, min(applications, start + BATCH))
            app_rows = []
            for n in batch:
                status: str = ApplicationStatus.UNDER_REVIEW if n < OTHER_OPEN else CLOSED[n % 3]
                when = at - timedelta(days=5 if n < OTHER_OPEN else 30 + n % 2000)
                app_rows.append(
                    {
                        "council_id": council_ids[n % len(council_ids)],
                        "status": status,
                        "registered_by": "U0STAFF001",
                        "registered_at": when,
                        "updated_at": when,
                        "channel": CHANNEL_ID,
                        "message_ts": f"1690000000.{n:06d}",
                        **evidence(when.date()),
                    }
                )
            result = await session.execute(
                insert(Application).returning(col(Application.id), col(Application.status)),
                app_rows,
            )
            created = [(int(i), str(s)) for i, s in result.all()]
            rounds, officers, votes, decisions, audit = [], [], [], [], []
            for (app_id, app_status), row in zip(created, app_rows, strict=True):
                when = row["registered_at"]
                rounds.append(
                    {
                        "application_id": app_id,
                        "number": 1,
                        "opened_at": when,
                        "posted_at": when,
                        "message_ts": row["message_ts"],
                        "deadline_at": when + timedelta(days=14),
                        "closed_at": None
                        if app_status == ApplicationStatus.UNDER_REVIEW
                        else when + timedelta(days=14),
                    }
                )
                officers.append(
                    {
                        "application_id": app_id,
                        "position": 0,
                        "name": "Sam Officer",
                        "role": "Refugee resettlement lead",
                        "email": "sam.officer@example.gov.uk",
                    }
                )
                for k in range(min(4, members)):
                    votes.append(
                        {
                            "application_id": app_id,
                            "round": 1,
                            "member_id": first_member + (app_id + k) % members,
                            "choice": "approve",
                            "cast_at": when,
                        }
                    )
                if app_status in OUTCOME:
                    decisions.append(
                        {
                            "application_id": app_id,
                            "round": 1,
                            "outcome": OUTCOME[ApplicationStatus(app_status)],
                            "rationale": "Decided on the working group's advice.",
                            "decided_by": "U0STAFF001",
                            "decided_at": when + timedelta(days=14),
                        }
                    )
                audit.append(
                    {
                        "at": when,
                        "actor": "U0STAFF001",
                        "action": "application.registered",
                        "council_id": row["council_id"],
                        "application_id": app_id,
                        "detail": "{}",
                    }
                )
            for table, table_rows in (
                (ReviewRound, rounds),
                (ContactOfficer, officers),
                (Vote, votes),
                (Decision, decisions),
                (AuditEntry, audit),
            ):
                if table_rows:
                    await session.execute(insert(table), table_rows)
        rows = []
        for n in range(memberships):
            ends = today + timedelta(days=1 + (n * 1096) // max(memberships, 1))
            rows.append(
                {
                    "council_id": council_ids[n % len(council_ids)],
                    "starts_on": ends - timedelta(days=3 * 365),
                    "ends_on": ends,
                    "created_at": at - timedelta(days=1000),
                    "source": "import",
                    "strategy_url": "https://www.example.gov.uk/sanctuary-strategy",
                }
            )
        if rows:
            await session.execute(insert(Membership), rows)
    # A database that grew to this size over years has had its statistics gathered
    # (PostgreSQL's autovacuum analyzes a table after enough changes; SQLite plans without
    # them): plan the queries as they would be planned there, not with a freshly loaded
    # table's defaults.
    async with deps.sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(text("ANALYZE"))
