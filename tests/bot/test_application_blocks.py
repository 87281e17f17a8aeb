"""The application post, built from real rows and checked against Block Kit's limits."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import ActionsBlock, Block, SectionBlock

from bot.blocks.application import build_application_message
from bot.domain import ids
from bot.domain.config import ReviewRules
from bot.services.applications import load_view
from models.db import SessionFactory, transaction
from models.tables import Vote
from tests import factories
from tests.conftest import START

LONDON = ZoneInfo("Europe/London")
NOW = START


def _validated(blocks: list[Block]) -> list[dict[str, object]]:
    assert len(blocks) <= 50
    for block in blocks:
        block.validate_json()
    return [b.to_dict() for b in blocks]


async def test_post_shows_the_five_criteria_tally_and_buttons(sessions: SessionFactory) -> None:
    async with transaction(sessions) as session:
        application = await factories.application(session, at=START)
        lived = await factories.member(session, "U0LIVED001", "lived", at=START)
        session.add(
            Vote(
                application_id=application.id,  # type: ignore[arg-type]
                round=1,
                member_id=lived.id,  # type: ignore[arg-type]
                constituency=lived.constituency,
                choice="approve",
                cast_at=START,
            )
        )
    async with sessions() as session:
        view = await load_view(session, application.id)  # type: ignore[arg-type]
    text, blocks = build_application_message(view, rules=ReviewRules(), timezone=LONDON, now=NOW)
    rendered = json.dumps(_validated(blocks))
    assert "Sheffield City Council" in text
    for heading in ("1. Council motion", "2. Charter", "3. Local group", "4. Strategy"):
        assert heading in rendered
    # The post names no contact: it says who is named, by role, and offers the Contacts button.
    assert "Cllr Jane Doe" not in rendered and "Sam Officer" not in rendered
    assert "@example.gov.uk" not in rendered.replace("www.example.gov.uk", "")
    assert "the councillor responsible and 1 council officer" in rendered
    assert "lived experience of seeking sanctuary: 1 approve" in rendered
    assert "3 more votes (1 of 4)" in rendered
    assert "16 March 2026" in rendered  # the deadline, 14 days after posting
    actions = [b for b in blocks if isinstance(b, ActionsBlock)]
    action_ids = [e.action_id for b in actions for e in b.elements]
    assert action_ids[:4] == list(ids.VOTE_ACTIONS)
    assert ids.DECLARE_CONFLICT in action_ids
    assert ids.RECORD_DECISION in action_ids
    buttons = [b.accessory for b in blocks if isinstance(b, SectionBlock) and b.accessory]
    assert [getattr(b, "action_id", None) for b in buttons] == [ids.SHOW_CONTACTS]


async def test_hostile_text_is_escaped_and_long_text_fits(sessions: SessionFactory) -> None:
    async with transaction(sessions) as session:
        application = await factories.application(
            session,
            at=START,
            group_names="<!channel> & friends",
            joint_work="<https://evil.example|Minutes> " + "x" * 5000,
            endorsed_by="<@U0VICTIM1>",
        )
    async with sessions() as session:
        view = await load_view(session, application.id)  # type: ignore[arg-type]
    _, blocks = build_application_message(view, rules=ReviewRules(), timezone=LONDON, now=NOW)
    rendered = json.dumps(_validated(blocks))
    assert "<!channel>" not in rendered
    assert "&lt;!channel&gt; &amp; friends" in rendered
    assert "<https://evil.example|Minutes>" not in rendered
    assert "<@U0VICTIM1>" not in rendered
