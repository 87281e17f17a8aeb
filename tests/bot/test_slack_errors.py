"""Which Slack failures surely sent nothing: real errors from slack_sdk against the stand-in."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.sending.slack_errors import SLACK_FAILURES, error_code, explain, surely_not_sent
from bot.standin import BOT_TOKEN, CHANNEL_ID, SlackStandIn


async def _failure(standin: SlackStandIn, **fault: Any) -> BaseException:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=standin.api_url, timeout=1)
    standin.fail_next("chat.postMessage", **fault)
    with pytest.raises(SLACK_FAILURES) as raised:
        await client.chat_postMessage(channel=CHANNEL_ID, text="Hello")
    return raised.value


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ({"error": "not_in_channel"}, "not_in_channel"),
        ({"error": "channel_not_found"}, "channel_not_found"),
        ({"error": "invalid_auth"}, "invalid_auth"),
        ({"error": "ratelimited", "retry_after": 0}, "ratelimited"),  # a 429 with ok: false
    ],
)
async def test_slacks_own_refusals_surely_sent_nothing(
    standin: SlackStandIn, fault: dict[str, Any], code: str
) -> None:
    error = await _failure(standin, **fault)
    assert error_code(error) == code
    assert surely_not_sent(error)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_a_gateway_error_may_follow_a_post_that_went_through(
    standin: SlackStandIn, status: int
) -> None:
    error = await _failure(standin, status=status, error=None)
    assert error_code(error) == f"http_{status}"
    assert not surely_not_sent(error)
    assert "try again shortly" in explain(error)


@pytest.mark.parametrize("code", ["internal_error", "fatal_error"])
async def test_slack_errors_that_may_have_partly_acted_are_not_sure(
    standin: SlackStandIn, code: str
) -> None:
    error = await _failure(standin, error=code)
    assert error_code(error) == code
    assert not surely_not_sent(error)


async def test_a_time_out_or_a_dropped_connection_is_not_sure(standin: SlackStandIn) -> None:
    late = await _failure(standin, error=None, delay=1.3)
    assert error_code(late) == "timeout"
    assert not surely_not_sent(late)
    dropped = aiohttp.ServerDisconnectedError()
    assert error_code(dropped) == "network"
    assert not surely_not_sent(dropped)
