"""The first slice, end to end: `/sanctuary help` over signed HTTP, and forged requests refused."""

from __future__ import annotations

import time

import aiohttp
from sqlmodel import func, select

from bot.runtime import Runtime
from bot.standin import SignedSlackClient, SlackStandIn, render_blocks_as_text
from models.tables import AuditEntry
from tests.conftest import OUTSIDER, STAFF


async def _ephemeral_text(standin: SlackStandIn) -> str:
    await standin.wait_until(lambda: bool(standin.responses()))
    body = standin.responses()[-1].body
    assert body.get("response_type") == "ephemeral"
    # What a person reads: the blocks rendered, entities such as &lt; shown as <.
    return render_blocks_as_text(body["text"], body.get("blocks"))


async def test_help_lists_the_commands_only_to_the_caller(
    slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    reply = await slack.slash_command(OUTSIDER, "help")
    assert reply.status == 200
    text = await _ephemeral_text(standin)
    for usage in ("help", "apply", "status <council>", "list", "group add @user <keyword>"):
        assert f"/sanctuary {usage}" in text
    assert standin.messages() == []  # nothing posted to the channel


async def test_bare_command_shows_help(slack: SignedSlackClient, standin: SlackStandIn) -> None:
    await slack.slash_command(STAFF, "")
    assert "/sanctuary apply" in await _ephemeral_text(standin)


async def test_unknown_subcommand_says_so_and_shows_help(
    slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    await slack.slash_command(STAFF, "<!channel> frobnicate")
    text = await _ephemeral_text(standin)
    assert "I don't know `<!channel>`" in text  # shown as typed, escaped on the wire
    assert "<!channel>" not in str(standin.responses()[-1].body)
    assert "/sanctuary help" in text


async def _audit_count(bot: Runtime) -> int:
    async with bot.deps.sessions() as session:
        return (await session.exec(select(func.count()).select_from(AuditEntry))).one()


async def test_forged_requests_get_401_and_change_nothing(
    bot: Runtime, slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    before = await _audit_count(bot)
    unsigned = await slack.slash_command(STAFF, "help", unsigned=True)
    wrong = await slack.slash_command(STAFF, "help", signature="v0=" + "0" * 64)
    stale = await slack.slash_command(STAFF, "help", timestamp=int(time.time()) - 301)
    assert [unsigned.status, wrong.status, stale.status] == [401, 401, 401]
    assert standin.responses() == []
    assert standin.calls("chat.postMessage") == []
    assert await _audit_count(bot) == before


async def test_healthz_answers_for_load_balancers(bot: Runtime) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{bot.url}/healthz") as response:
        assert response.status == 200
        assert await response.json() == {"ok": True}


async def test_command_text_arrives_entity_encoded_and_is_read_as_typed(
    slack: SignedSlackClient, standin: SlackStandIn
) -> None:
    """With escaping on (the manifest), Slack sends "B&H" as "B&amp;H"."""
    await slack.slash_command(STAFF, "frob&amp;nicate &lt;x&gt;")
    text = await _ephemeral_text(standin)
    assert "I don't know `frob&nicate`" in text
    body = str(standin.responses()[-1].body)
    assert "frob&amp;nicate" in body  # escaped again on the way out
