"""The stand-in reads back as Slack does: message metadata, conversations.history and .replies
with their paging and time window, ts values from the bot's clock, and scopes as installed."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.clock import FixedClock
from bot.standin import BOT_TOKEN, CHANNEL_ID, SlackStandIn
from bot.standin.scopes import find_manifest, manifest_scopes, read_bot_scopes

ALICE = "U0ALICE001"
START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
KEY = {"event_type": "sanctuary_once", "event_payload": {"kind": "test", "subject_id": 7}}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
async def standin(clock: FixedClock) -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn(clock=clock) as slack:
        slack.add_user(ALICE, "alice", "Alice Example")
        yield slack


@pytest.fixture
def web(standin: SlackStandIn) -> AsyncWebClient:
    return AsyncWebClient(token=BOT_TOKEN, base_url=standin.api_url)


def ts_of(at: datetime) -> str:
    return f"{at.timestamp():.6f}"


async def post(web: AsyncWebClient, text: str, **extra: Any) -> str:
    answer = await web.chat_postMessage(channel=CHANNEL_ID, text=text, **extra)
    return str(answer["ts"])


# ---- ts from the clock ----------------------------------------------------------------------


async def test_ts_values_follow_the_clock_and_stay_unique(
    web: AsyncWebClient, clock: FixedClock
) -> None:
    first = await post(web, "one")
    second = await post(web, "two")  # the clock has not moved: a step later
    assert first == ts_of(START)
    assert float(second) > float(first) and second.startswith(ts_of(START)[:10])
    clock.advance(timedelta(hours=1))
    assert await post(web, "three") == ts_of(START + timedelta(hours=1))
    clock.set(START)  # a clock moved back still gives a later ts
    assert float(await post(web, "four")) > float(ts_of(START + timedelta(hours=1)))


async def test_without_a_clock_ts_values_are_the_real_time() -> None:
    async with SlackStandIn() as slack:
        client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)
        before = datetime.now(UTC).timestamp()
        answer = await client.chat_postMessage(channel=CHANNEL_ID, text="now")
        assert before <= float(answer["ts"]) <= datetime.now(UTC).timestamp()


# ---- metadata -------------------------------------------------------------------------------


async def test_metadata_is_kept_and_shown_only_with_include_all_metadata(
    web: AsyncWebClient,
) -> None:
    answer = await web.chat_postMessage(channel=CHANNEL_ID, text="keyed", metadata=KEY)
    assert "metadata" not in answer["message"]
    plain = await web.conversations_history(channel=CHANNEL_ID)
    assert "metadata" not in plain["messages"][0]
    full = await web.conversations_history(channel=CHANNEL_ID, include_all_metadata=True)
    assert full["messages"][0]["metadata"] == KEY

    # chat.update without metadata keeps it; with metadata replaces it.
    await web.chat_update(channel=CHANNEL_ID, ts=answer["ts"], text="edited")
    full = await web.conversations_history(channel=CHANNEL_ID, include_all_metadata=True)
    assert full["messages"][0]["metadata"] == KEY
    other = {"event_type": "other", "event_payload": {"n": 1}}
    await web.chat_update(channel=CHANNEL_ID, ts=answer["ts"], text="x", metadata=other)
    full = await web.conversations_history(channel=CHANNEL_ID, include_all_metadata=True)
    assert full["messages"][0]["metadata"] == other


@pytest.mark.parametrize(
    "metadata",
    [{"event_type": "x"}, {"event_payload": {}}, {"event_type": "", "event_payload": {}}],
    ids=["no-payload", "no-type", "empty-type"],
)
async def test_malformed_metadata_is_refused(
    standin: SlackStandIn, web: AsyncWebClient, metadata: dict[str, Any]
) -> None:
    with pytest.raises(SlackApiError) as info:
        await web.chat_postMessage(channel=CHANNEL_ID, text="t", metadata=metadata)
    assert info.value.response["error"] == "invalid_metadata_format"
    assert standin.messages() == []


# ---- conversations.history ------------------------------------------------------------------


async def test_history_lists_top_level_messages_newest_first_in_pages(
    web: AsyncWebClient, clock: FixedClock
) -> None:
    posted = []
    for n in range(5):
        posted.append(await post(web, f"m{n}"))
        clock.advance(timedelta(minutes=1))
    await web.chat_postMessage(channel=CHANNEL_ID, text="in thread", thread_ts=posted[0])
    broadcast = await web.chat_postMessage(
        channel=CHANNEL_ID, text="to all", thread_ts=posted[0], reply_broadcast=True
    )

    pages: list[list[str]] = []
    cursor = None
    while True:
        page = await web.conversations_history(channel=CHANNEL_ID, limit=2, cursor=cursor)
        pages.append([m["text"] for m in page["messages"]])
        cursor = page["response_metadata"]["next_cursor"]
        assert page["has_more"] is bool(cursor)
        if not cursor:
            break
    assert pages == [["to all", "m4"], ["m3", "m2"], ["m1", "m0"]]

    whole = await web.conversations_history(channel=CHANNEL_ID)
    parent = next(m for m in whole["messages"] if m["ts"] == posted[0])
    assert parent["reply_count"] == 2 and parent["thread_ts"] == posted[0]
    shared = next(m for m in whole["messages"] if m["ts"] == broadcast["ts"])
    assert shared["subtype"] == "thread_broadcast" and shared["thread_ts"] == posted[0]


async def test_history_oldest_and_latest_are_exclusive_unless_inclusive(
    web: AsyncWebClient, clock: FixedClock
) -> None:
    ts = []
    for n in range(4):
        ts.append(await post(web, f"m{n}"))
        clock.advance(timedelta(minutes=1))

    async def texts(**window: Any) -> list[str]:
        answer = await web.conversations_history(channel=CHANNEL_ID, **window)
        return [m["text"] for m in answer["messages"]]

    assert await texts(oldest=ts[1]) == ["m3", "m2"]
    assert await texts(oldest=ts[1], inclusive=True) == ["m3", "m2", "m1"]
    assert await texts(oldest=ts[1], latest=ts[3]) == ["m2"]
    assert await texts(oldest=ts[1], latest=ts[3], inclusive=True) == ["m3", "m2", "m1"]
    # Whole seconds, as a caller computes them from a time: "from the moment of the claim on".
    second = str(int((START + timedelta(minutes=2)).timestamp()))
    assert await texts(oldest=second, inclusive=True) == ["m3", "m2"]
    assert await texts(latest=ts[0]) == []


async def test_history_refuses_a_bad_window_cursor_or_channel(
    standin: SlackStandIn, web: AsyncWebClient
) -> None:
    for arguments, error in [
        ({"oldest": "yesterday"}, "invalid_ts_oldest"),
        ({"latest": "1.x"}, "invalid_ts_latest"),
        ({"cursor": "not-a-cursor"}, "invalid_cursor"),
        ({"cursor": base64.b64encode(b"other:1").decode()}, "invalid_cursor"),
    ]:
        with pytest.raises(SlackApiError) as info:
            await web.conversations_history(channel=CHANNEL_ID, **arguments)
        assert info.value.response["error"] == error
    with pytest.raises(SlackApiError) as info:
        await web.conversations_history(channel="C0NOWHERE1")
    assert info.value.response["error"] == "channel_not_found"
    standin.set_bot_member(CHANNEL_ID, False)
    with pytest.raises(SlackApiError) as info:
        await web.conversations_history(channel=CHANNEL_ID)
    assert info.value.response["error"] == "not_in_channel"


# ---- conversations.replies ------------------------------------------------------------------


async def test_replies_give_the_parent_then_the_replies_in_order_in_pages(
    web: AsyncWebClient, clock: FixedClock
) -> None:
    parent = await post(web, "parent", metadata=KEY)
    replies = []
    for n in range(5):
        clock.advance(timedelta(minutes=1))
        answer = await web.chat_postMessage(channel=CHANNEL_ID, text=f"r{n}", thread_ts=parent)
        replies.append(str(answer["ts"]))
    await post(web, "elsewhere")

    pages: list[list[str]] = []
    cursor = None
    while True:
        page = await web.conversations_replies(
            channel=CHANNEL_ID, ts=parent, limit=2, cursor=cursor, include_all_metadata=True
        )
        pages.append([m["text"] for m in page["messages"]])
        if page["messages"][0]["text"] == "parent":
            assert page["messages"][0]["metadata"] == KEY
        cursor = page["response_metadata"]["next_cursor"]
        assert page["has_more"] is bool(cursor)
        if not cursor:
            break
    assert pages == [["parent", "r0", "r1"], ["r2", "r3"], ["r4"]]

    # The time window applies to the replies; the parent comes first all the same.
    windowed = await web.conversations_replies(channel=CHANNEL_ID, ts=parent, oldest=replies[2])
    assert [m["text"] for m in windowed["messages"]] == ["parent", "r3", "r4"]
    # Named by one of its replies, the thread is the same.
    by_reply = await web.conversations_replies(channel=CHANNEL_ID, ts=replies[0])
    assert [m["text"] for m in by_reply["messages"]][:2] == ["parent", "r0"]
    assert "metadata" not in by_reply["messages"][0]


async def test_replies_of_an_unknown_message_are_thread_not_found(web: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as info:
        await web.conversations_replies(channel=CHANNEL_ID, ts="1700000000.000100")
    assert info.value.response["error"] == "thread_not_found"


# ---- scopes ---------------------------------------------------------------------------------


async def test_a_call_the_manifest_gives_no_scope_for_is_missing_scope(
    standin: SlackStandIn, web: AsyncWebClient
) -> None:
    assert standin.scopes == manifest_scopes()
    dm = standin.dm_channel_id(ALICE)
    with pytest.raises(SlackApiError) as info:
        await web.conversations_info(channel=dm)  # the manifest asks for no im:read
    answer = info.value.response
    assert answer["error"] == "missing_scope"
    assert answer["needed"] == "im:read"
    assert answer["provided"] == ",".join(manifest_scopes())
    assert standin.calls("conversations.info")[0].error == "missing_scope"


async def test_conversations_info_of_the_private_channel_needs_groups_read(
    standin: SlackStandIn, web: AsyncWebClient
) -> None:
    info = await web.conversations_info(channel=CHANNEL_ID)
    assert info["channel"]["is_private"] is True and info["channel"]["is_member"] is True
    standin.revoke("groups:read")
    with pytest.raises(SlackApiError) as refused:
        await web.conversations_info(channel=CHANNEL_ID)
    assert refused.value.response["error"] == "missing_scope"
    assert refused.value.response["needed"] == "groups:read"
    standin.grant("groups:read")
    standin.set_bot_member(CHANNEL_ID, False)  # a private channel the bot is not in: unseen
    with pytest.raises(SlackApiError) as hidden:
        await web.conversations_info(channel=CHANNEL_ID)
    assert hidden.value.response["error"] == "channel_not_found"


async def test_missing_scope_names_every_accepted_scope_when_none_is_held(
    standin: SlackStandIn, web: AsyncWebClient
) -> None:
    standin.revoke("channels:history", "groups:history", "im:history")
    dm = standin.dm_channel_id(ALICE)
    with pytest.raises(SlackApiError) as info:
        await web.conversations_history(channel=dm)
    assert (
        info.value.response["needed"] == "channels:history,groups:history,im:history,mpim:history"
    )
    standin.grant("groups:history")  # some history scope, but not the one for a DM
    with pytest.raises(SlackApiError) as info:
        await web.conversations_history(channel=dm)
    assert info.value.response["needed"] == "im:history"
    standin.grant("im:history")
    assert (await web.conversations_history(channel=dm))["messages"] == []


async def test_an_app_installed_before_the_new_scopes_cannot_open_or_read_a_dm() -> None:
    installed_earlier = ["commands", "chat:write", "users:read", "channels:history"]
    async with SlackStandIn(scopes=installed_earlier) as slack:
        slack.add_user(ALICE, "alice")
        client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)
        await client.chat_postMessage(channel=ALICE, text="a DM needs only chat:write")
        with pytest.raises(SlackApiError) as info:
            await client.conversations_open(users=ALICE)
        assert info.value.response["needed"] == "channels:manage,groups:write,im:write,mpim:write"
        with pytest.raises(SlackApiError) as info:
            await client.conversations_history(channel=CHANNEL_ID)  # a private channel
        assert info.value.response["needed"] == "groups:history"


async def test_every_answer_carries_x_oauth_scopes(standin: SlackStandIn) -> None:
    headers = {"Authorization": f"Bearer {BOT_TOKEN}"}
    scopes = ",".join(manifest_scopes())
    async with aiohttp.ClientSession() as http:
        for method, accepted in [
            ("auth.test", None),
            ("chat.postMessage", "chat:write"),
            ("conversations.info", "channels:read,groups:read,im:read,mpim:read"),
            ("no.such.method", None),
        ]:
            data = {"channel": CHANNEL_ID, "text": "hi"}
            async with http.post(standin.api_url + method, data=data, headers=headers) as res:
                assert res.headers["x-oauth-scopes"] == scopes, method
                assert res.headers.get("x-accepted-oauth-scopes") == accepted, method
        standin.fail_next("chat.postMessage", retry_after=0)
        async with http.post(standin.api_url + "chat.postMessage", headers=headers) as res:
            assert res.status == 429 and res.headers["x-oauth-scopes"] == scopes


# ---- a late answer ----------------------------------------------------------------------------


async def test_an_answer_delay_posts_at_once_and_answers_late(standin: SlackStandIn) -> None:
    standin.fail_next("chat.postMessage", error=None, answer_delay=0.5)
    client = AsyncWebClient(token=BOT_TOKEN, base_url=standin.api_url, timeout=0.1)  # type: ignore[arg-type]
    with pytest.raises(TimeoutError):
        await client.chat_postMessage(channel=CHANNEL_ID, text="arrived", metadata=KEY)
    # Slack has it, though the client never heard: it is there to be found.
    assert [m.text for m in standin.messages()] == ["arrived"]
    assert standin.messages()[0].metadata == KEY


# ---- reading the manifest ---------------------------------------------------------------------


def test_the_manifest_reader_agrees_with_a_yaml_parser() -> None:
    path = find_manifest()
    assert path is not None and path.name == "manifest.yml"
    parsed = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert list(manifest_scopes(path)) == parsed["oauth_config"]["scopes"]["bot"]


@pytest.mark.parametrize(
    "text",
    [
        "oauth_config:\n  scopes:\n    bot:\n      - a   # why\n      - 'b'\n"
        "    user:\n      - u\n",
        "oauth_config:\n  scopes:\n    bot:\n    - a\n    - b\nsettings:\n  x: 1\n",
        "other:\n  oauth_config:\n    scopes:\n      bot:\n        - no\n"
        "oauth_config:\n  scopes:\n\n    # a comment\n    bot:\n      - a\n      - b\n",
    ],
)
def test_the_manifest_reader_reads_the_block_list_forms(text: str) -> None:
    assert read_bot_scopes(text) == ("a", "b")
    assert yaml.safe_load(text)["oauth_config"]["scopes"]["bot"] == ["a", "b"]


@pytest.mark.parametrize(
    "text",
    ["oauth_config:\n  scopes:\n    bot: [a, b]\n", "settings:\n  x: 1\n"],
    ids=["flow-list", "no-scopes"],
)
def test_the_manifest_reader_refuses_what_it_does_not_understand(text: str) -> None:
    with pytest.raises(ValueError, match="bot scopes"):
        read_bot_scopes(text)


def test_without_a_manifest_the_scopes_must_be_given(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        manifest_scopes(tmp_path / "manifest.yml")
