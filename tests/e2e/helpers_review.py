"""Setting the scene for review tests: an application already posted, and a roster.

Registration is another part of the bot; here the application row comes from the factories and
its post is made through the stand-in with the real builder, as `bot.sending.posts` would.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import select

from bot.blocks.application import build_application_message
from bot.domain import ids
from bot.sending.context import Deps
from bot.services.applications import load_view
from bot.standin import BOT_TOKEN, CHANNEL_ID, SignedSlackClient, SlackStandIn
from models.db import transaction
from models.tables import Application, ReviewRound
from tests import factories
from tests.conftest import STAFF

# Two members of each constituency: user id -> (name, constituency).
ROSTER: dict[str, tuple[str, str]] = {
    "U0LIVED001": ("Amira", "lived"),
    "U0LIVED002": ("Yonas", "lived"),
    "U0CLLR0001": ("Cllr Patel", "councillor"),
    "U0CLLR0002": ("Cllr Jones", "councillor"),
    "U0OFFCR001": ("Gareth", "officer"),
    "U0OFFCR002": ("Priya", "officer"),
    "U0GROUP001": ("Ruth", "group"),
    "U0GROUP002": ("Tom", "group"),
    "U0NATNL001": ("Joe", "national"),
    "U0NATNL002": ("Kate", "national"),
    "U0TRUST001": ("Helen", "trustee"),
    "U0TRUST002": ("Omar", "trustee"),
}


def one_of_each() -> dict[str, str]:
    """constituency -> the first member of it in ROSTER."""
    first: dict[str, str] = {}
    for user, (_, constituency) in ROSTER.items():
        first.setdefault(constituency, user)
    return first


async def add_roster(
    deps: Deps, standin: SlackStandIn, roster: dict[str, tuple[str, str]] | None = None
) -> None:
    """Put people in the stand-in's workspace and on the roster."""
    roster = ROSTER if roster is None else roster
    async with transaction(deps.sessions) as session:
        for user, (name, constituency) in roster.items():
            standin.add_user(user, name)
            await factories.member(session, user, constituency, at=deps.clock.now())


async def post_application(
    deps: Deps,
    standin: SlackStandIn,
    *,
    at: datetime | None = None,
    council_name: str = "Sheffield City Council",
    code: str = "E08000019",
) -> tuple[int, str]:
    """An application under review, posted to the channel; returns (application id, post ts)."""
    at = at or deps.clock.now()
    async with transaction(deps.sessions) as session:
        council = await factories.council(session, at=at, name=council_name, code=code)
        application = await factories.application(session, at=at, council_row=council)
        assert application.id is not None
        application_id = application.id
        view = await load_view(session, application_id)
    text, blocks = build_application_message(
        view, rules=deps.settings.rules, timezone=deps.settings.timezone, now=deps.clock.now()
    )
    client = AsyncWebClient(token=BOT_TOKEN, base_url=standin.api_url)
    posted = await client.chat_postMessage(channel=CHANNEL_ID, text=text, blocks=blocks)
    ts = str(posted["ts"])
    async with transaction(deps.sessions) as session:
        row = await session.get(Application, application_id)
        assert row is not None
        row.channel, row.message_ts = CHANNEL_ID, ts
        session.add(row)
        rounds = (
            await session.exec(
                select(ReviewRound).where(ReviewRound.application_id == application_id)
            )
        ).all()
        for review_round in rounds:
            review_round.message_ts = ts
            session.add(review_round)
    return application_id, ts


def post_text(standin: SlackStandIn, ts: str) -> str:
    """The post as a reader sees it now (bold markers dropped)."""
    from bot.standin import render_blocks_as_text

    message = standin.find_message(CHANNEL_ID, ts)
    assert message is not None
    rendered = render_blocks_as_text(message.text, message.blocks, users=standin.user_names())
    return rendered.replace("*", "")


async def click(
    slack: SignedSlackClient, standin: SlackStandIn, user: str, action_id: str, ts: str, value: str
) -> str:
    """Click a button on the post and return what only that user was told."""
    before = len(standin.ephemerals(user))
    reply = await slack.block_action(user, action_id, message_ts=ts, value=value)
    assert reply.status == 200
    await standin.wait_until(lambda: len(standin.ephemerals(user)) > before)
    return standin.ephemerals(user)[-1].text


async def quorum_then_decision_form(
    deps: Deps, slack: SignedSlackClient, standin: SlackStandIn, vote: str
) -> tuple[int, str, dict[str, Any]]:
    """A posted application, four members of four constituencies voting `vote` (quorum), and
    the decision form opened by staff: (application id, post ts, the form)."""
    await add_roster(deps, standin)
    app_id, ts = await post_application(deps, standin)
    members = one_of_each()
    for constituency in ("lived", "councillor", "officer", "group"):
        await click(slack, standin, members[constituency], vote, ts, f"{app_id}:1")
    opened = len(standin.calls("views.open"))
    await slack.block_action(STAFF, ids.RECORD_DECISION, message_ts=ts, value=f"{app_id}:1")
    await standin.wait_for("views.open", count=opened + 1)
    form = standin.last_view(STAFF)
    assert form is not None
    return app_id, ts, form
