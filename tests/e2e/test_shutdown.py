"""Stopping the bot finishes what Slack was already told was received."""

from __future__ import annotations

from dataclasses import replace

from bot.domain import ids
from bot.domain.clock import FixedClock
from bot.domain.config import Settings
from bot.runtime import start_http
from bot.standin import SignedSlackClient, SlackStandIn
from models.tables import Vote
from tests.conftest import SIGNING_SECRET
from tests.e2e.helpers_review import add_roster, one_of_each, post_application
from tests.e2e.test_review import count


async def test_stop_waits_for_an_acknowledged_vote_to_be_confirmed(
    settings: Settings, standin: SlackStandIn, clock: FixedClock, engine: object
) -> None:
    bot = await start_http(
        replace(settings, slack_api_url=standin.api_url),
        clock=clock,
        host="127.0.0.1",
        port=0,
        with_scheduler=False,
    )
    try:
        await add_roster(bot.deps, standin)
        app_id, ts = await post_application(bot.deps, standin)
        voter = one_of_each()["lived"]
        # Slack is slow to take the confirmation: the listener is still at work after the ack.
        standin.fail_next("chat.postEphemeral", error=None, delay=1.0)
        assert bot.url is not None
        async with SignedSlackClient(bot.url, SIGNING_SECRET, standin) as slack:
            reply = await slack.block_action(
                voter, ids.VOTE_APPROVE, message_ts=ts, value=f"{app_id}:1"
            )
        assert reply.status == 200
    finally:
        await bot.stop()
    # stop() returned only once the voter had been told, and the vote is kept.
    assert any("Vote recorded" in e.text for e in standin.ephemerals(voter))
    assert await count(bot, Vote) == 1
