"""Reminder messages lead somewhere (issue 12 item 9): a vote reminder links to the post and
carries the vote buttons, which work from the direct message itself."""

from __future__ import annotations

from datetime import timedelta

from bot.domain import ids
from bot.runtime import Runtime
from bot.standin import CHANNEL_ID, SignedSlackClient, SlackStandIn, render_blocks_as_text
from scheduler.review import send_review_reminders
from tests.e2e.helpers_review import add_roster, post_application, post_text

AMIRA = "U0LIVED001"


async def test_a_reminder_links_to_the_post_and_its_buttons_vote(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await add_roster(bot.deps, standin)
    app_id, ts = await post_application(bot.deps, standin)
    bot.deps.clock.set(bot.deps.clock.now() + timedelta(days=11))
    await send_review_reminders(bot.deps, bot.client)

    dm_channel = standin.dm_channel_id(AMIRA)
    (dm,) = standin.messages(dm_channel)
    link = await bot.client.chat_getPermalink(channel=CHANNEL_ID, message_ts=ts)
    assert f"<{link['permalink']}|its post>" in dm.text
    shown = render_blocks_as_text(dm.text, dm.blocks, channels=standin.channel_names())
    assert "[Approve] [Further work] [Decline] [Abstain]" in shown

    # Amira votes from the direct message: the button names the application, so the vote is
    # recorded, she is told, and the post in the channel shows it.
    reply = await slack.block_action(
        AMIRA, ids.VOTE_APPROVE, channel_id=dm_channel, message_ts=dm.ts
    )
    assert reply.status == 200
    await standin.wait_until(lambda: bool(standin.ephemerals(AMIRA)))
    assert "Vote recorded: *Approve*" in standin.ephemerals(AMIRA)[-1].text
    assert "lived experience of seeking sanctuary: 1 approve" in post_text(standin, ts)
    assert f"{app_id}:1" in str(dm.blocks)


async def test_without_a_permalink_the_reminder_names_the_channel_as_slack_shows_it(
    bot: Runtime, standin: SlackStandIn
) -> None:
    await add_roster(bot.deps, standin)
    await post_application(bot.deps, standin)
    standin.fail_next("chat.getPermalink", error="internal_error")
    bot.deps.clock.set(bot.deps.clock.now() + timedelta(days=11))
    await send_review_reminders(bot.deps, bot.client)
    (dm,) = standin.messages(standin.dm_channel_id(AMIRA))
    assert f"<#{CHANNEL_ID}>" in dm.text
    shown = render_blocks_as_text(dm.text, dm.blocks, channels=standin.channel_names())
    assert "its post in #la-network-working-group" in shown
    assert f"#{CHANNEL_ID}" not in shown
