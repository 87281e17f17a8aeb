"""Contacts on request, not in the channel (issue 12, item 2): the post names no contact; the
Contacts button shows them privately to the working group and staff, each showing audited; a
post made before the change is rendered again without them, once."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import SectionBlock
from sqlmodel import select

from bot.domain import ids
from bot.runtime import Runtime
from bot.sending.reconcile import refresh_posts_and_homes
from bot.services import audit
from bot.standin import CHANNEL_ID, SignedSlackClient, SlackStandIn
from models.db import transaction
from models.tables import Application, ApplicationStatus, AuditEntry
from tests.conftest import OUTSIDER
from tests.e2e.helpers_review import add_roster, one_of_each, post_application, post_text

CONTACT_DETAILS = ("Cllr Jane Doe", "jane.doe@", "Sam Officer", "sam.officer@")


async def test_the_post_names_no_contact_and_the_group_sees_them_privately(
    bot: Runtime, standin: SlackStandIn, slack: SignedSlackClient
) -> None:
    await add_roster(bot.deps, standin)
    app_id, ts = await post_application(bot.deps, standin)
    shown = post_text(standin, ts)
    assert "5. Contacts the councillor responsible and 1 council officer" in shown
    assert not [c for c in CONTACT_DETAILS if c in shown]

    amira = one_of_each()["lived"]
    await slack.block_action(amira, ids.SHOW_CONTACTS, message_ts=ts, value=str(app_id))
    await standin.wait_until(lambda: standin.last_view(amira) is not None)
    modal = json.dumps(standin.last_view(amira))
    assert "Cllr Jane Doe" in modal and "jane.doe@example.gov.uk" in modal
    assert "Sam Officer" in modal and "sam.officer@example.gov.uk" in modal

    told = len(standin.ephemerals(OUTSIDER))
    await slack.block_action(OUTSIDER, ids.SHOW_CONTACTS, message_ts=ts, value=str(app_id))
    await standin.wait_until(lambda: len(standin.ephemerals(OUTSIDER)) > told)
    refusal = standin.ephemerals(OUTSIDER)[-1].text
    assert "an application's contacts are for the working group" in refusal
    assert standin.last_view(OUTSIDER) is None

    # Nothing said in the channel names them; who looked is audited, never what they saw.
    channel = " ".join(m.text + json.dumps(m.blocks) for m in standin.messages(CHANNEL_ID))
    assert not [c for c in CONTACT_DETAILS if c in channel]
    async with bot.deps.sessions() as session:
        looked = (
            await session.exec(select(AuditEntry).where(AuditEntry.action == "contacts.shown"))
        ).all()
    assert [(e.actor, e.application_id) for e in looked] == [(amira, app_id)]
    assert "jane" not in looked[0].detail.lower()


async def test_a_post_made_before_the_change_stops_naming_contacts_once(
    bot: Runtime, standin: SlackStandIn
) -> None:
    app_id, ts = await post_application(bot.deps, standin)
    # As an earlier version posted it (contacts in the channel); since declined, so the refresh
    # of open posts would never touch it again.
    old = SectionBlock(text="*5. Contacts*\nCouncillor: Cllr Jane Doe · jane.doe@example.gov.uk")
    await bot.client.chat_update(channel=CHANNEL_ID, ts=ts, text="old", blocks=[old])
    async with transaction(bot.deps.sessions) as session:
        application = await session.get(Application, app_id)
        assert application is not None
        application.status = ApplicationStatus.DECLINED
        session.add(application)
        # What migration 0009 writes for every post then in the channel.
        audit.about(session, application, at=bot.deps.clock.now(), actor="system").record(
            "post.contacts_hidden"
        )
    assert "jane.doe@example.gov.uk" in post_text(standin, ts)

    def updates() -> int:
        return sum(1 for c in standin.calls("chat.update") if c.args.get("ts") == ts)

    before = updates()
    await refresh_posts_and_homes(bot.deps, bot.client)  # at start
    shown = post_text(standin, ts)
    assert not [c for c in CONTACT_DETAILS if c in shown]
    assert "the councillor responsible and 1 council officer" in shown
    assert updates() == before + 1
    for _ in range(2):  # the next start, the refresh job: nothing more to do
        await refresh_posts_and_homes(bot.deps, bot.client)
    assert updates() == before + 1
