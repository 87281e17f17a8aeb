"""The one way to tell a person something privately: each way that fails falls to the next."""

from __future__ import annotations

from slack_bolt.async_app import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.sending.tell import tell
from bot.standin import BOT_TOKEN, CHANNEL_ID, SlackStandIn
from tests.conftest import OUTSIDER


def _client(standin: SlackStandIn) -> AsyncWebClient:
    return AsyncWebClient(token=BOT_TOKEN, base_url=standin.api_url)


async def test_the_response_url_first(standin: SlackStandIn) -> None:
    url = standin.mint_response_url(channel=CHANNEL_ID, user=OUTSIDER)
    told = await tell(
        _client(standin),
        OUTSIDER,
        "Hello",
        respond=AsyncRespond(response_url=url),
        channel=CHANNEL_ID,
    )
    assert told
    assert [(e.text, e.via) for e in standin.ephemerals(OUTSIDER)] == [("Hello", "response_url")]
    assert standin.calls("chat.postEphemeral") == []


async def test_a_refused_response_url_falls_to_the_channel_then_a_dm(standin: SlackStandIn) -> None:
    gone = AsyncRespond(response_url=f"{standin.base_url}/response/no-such-token")
    assert await tell(_client(standin), OUTSIDER, "Hello", respond=gone, channel=CHANNEL_ID)
    assert [e.via for e in standin.ephemerals(OUTSIDER)] == ["chat.postEphemeral"]

    standin.fail_next("chat.postEphemeral", error="channel_not_found")
    assert await tell(_client(standin), OUTSIDER, "Again", respond=gone, channel=CHANNEL_ID)
    assert [m.text for m in standin.messages(standin.dm_channel_id(OUTSIDER))] == ["Again"]


async def test_without_a_channel_a_dm(standin: SlackStandIn) -> None:
    assert await tell(_client(standin), OUTSIDER, "Hello")
    assert [m.text for m in standin.messages(standin.dm_channel_id(OUTSIDER))] == ["Hello"]
    assert standin.ephemerals(OUTSIDER) == []
