"""The Slack stand-in, exercised over real HTTP with slack_sdk's own client."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
import pytest
from aiohttp import web
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import Clock, SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.standin import (
    BOT_ID,
    BOT_TOKEN,
    BOT_USER_ID,
    CHANNEL_ID,
    TEAM_ID,
    SignedSlackClient,
    SlackStandIn,
    fill_view_state,
    render_blocks_as_text,
    render_transcript,
    sign,
)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ALICE = "U0ALICE001"
BOB = "U0BOB00001"


@pytest.fixture
async def standin() -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn() as slack:
        slack.add_user(ALICE, "alice", "Alice Example")
        slack.add_user(BOB, "bob", "Bob Example")
        yield slack


@pytest.fixture
def web_client(standin: SlackStandIn) -> AsyncWebClient:
    return AsyncWebClient(token=BOT_TOKEN, base_url=standin.api_url)


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(label: str, action_id: str, value: str = "v") -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
    }


def modal(blocks: list[dict[str, Any]], title: str = "Apply") -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "apply",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Save"},
        "private_metadata": "meta",
        "blocks": blocks,
    }


async def test_auth_test_answers_as_the_bot(web_client: AsyncWebClient) -> None:
    answer = await web_client.auth_test()
    assert answer["user_id"] == BOT_USER_ID
    assert answer["bot_id"] == BOT_ID
    assert answer["team_id"] == TEAM_ID


async def test_wrong_token_is_invalid_auth(standin: SlackStandIn) -> None:
    client = AsyncWebClient(token="xoxb-wrong", base_url=standin.api_url)
    with pytest.raises(SlackApiError) as info:
        await client.auth_test()
    assert info.value.response["error"] == "invalid_auth"
    assert standin.calls("auth.test")[0].ok is False


async def test_post_update_thread_and_permalink(
    standin: SlackStandIn, web_client: AsyncWebClient
) -> None:
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": "Leeds"}}]
    posted = await web_client.chat_postMessage(channel=CHANNEL_ID, text="Leeds", blocks=blocks)
    second = await web_client.chat_postMessage(channel=CHANNEL_ID, text="second")
    assert float(second["ts"]) > float(posted["ts"])
    assert posted["message"]["bot_id"] == BOT_ID

    reply = await web_client.chat_postMessage(
        channel=CHANNEL_ID, text="a reply", thread_ts=posted["ts"]
    )
    await web_client.chat_update(
        channel=CHANNEL_ID,
        ts=posted["ts"],
        text="Leeds (decided)",
        blocks=[section("Decided &amp; done")],
    )

    top = standin.messages(CHANNEL_ID)
    assert [m.ts for m in top] == [posted["ts"], second["ts"]]
    assert top[0].text == "Leeds (decided)"
    assert top[0].edited == 1
    assert top[0].blocks is not None and top[0].blocks[0]["type"] == "section"
    assert [m.text for m in standin.thread(CHANNEL_ID, posted["ts"])] == ["a reply"]

    link = await web_client.chat_getPermalink(channel=CHANNEL_ID, message_ts=reply["ts"])
    assert link["permalink"].startswith(f"https://standin.slack.test/archives/{CHANNEL_ID}/p")
    assert "thread_ts=" in link["permalink"]

    with pytest.raises(SlackApiError) as info:
        await web_client.chat_update(channel=CHANNEL_ID, ts="1.000001", text="x")
    assert info.value.response["error"] == "message_not_found"

    await web_client.chat_delete(channel=CHANNEL_ID, ts=second["ts"])
    assert [m.ts for m in standin.messages(CHANNEL_ID)] == [posted["ts"]]
    assert standin.warnings == []


@pytest.mark.parametrize(
    "blocks",
    [
        [section("x" * 3001)],
        [section(f"n{i}") for i in range(51)],
        [{"type": "actions", "elements": [button("y" * 76, "a")]}],
        [{"type": "no_such_block"}],
        [section("a", block_id="same"), section("b", block_id="same")],
    ],
    ids=["section-3001", "51-blocks", "button-76", "unknown-type", "duplicate-block-id"],
)
async def test_invalid_blocks_are_refused(
    standin: SlackStandIn, web_client: AsyncWebClient, blocks: list[dict[str, Any]]
) -> None:
    with pytest.raises(SlackApiError) as info:
        await web_client.chat_postMessage(channel=CHANNEL_ID, text="t", blocks=blocks)
    assert info.value.response.status_code == 200
    assert info.value.response["error"] == "invalid_blocks"
    assert info.value.response["errors"]
    assert standin.messages(CHANNEL_ID) == []


async def test_blocks_without_text_warn(standin: SlackStandIn, web_client: AsyncWebClient) -> None:
    with pytest.warns(UserWarning, match="top-level `text`"):
        await web_client.chat_postMessage(channel=CHANNEL_ID, blocks=[section("hello")])
    assert standin.warnings == [f"missing_text_fallback: chat.postMessage {CHANNEL_ID}"]


async def test_form_encoded_blocks_are_accepted(standin: SlackStandIn) -> None:
    form = {"channel": CHANNEL_ID, "text": "hi", "blocks": json.dumps([section("form")])}
    headers = {"Authorization": f"Bearer {BOT_TOKEN}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(standin.api_url + "chat.postMessage", data=form, headers=headers) as res,
    ):
        body = await res.json()
    assert body["ok"] is True
    assert standin.messages(CHANNEL_ID)[0].blocks[0]["text"]["text"] == "form"  # type: ignore[index]


async def test_ratelimited_then_retry_handler_succeeds(
    standin: SlackStandIn, web_client: AsyncWebClient
) -> None:
    standin.fail_next("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as info:
        await web_client.chat_postMessage(channel=CHANNEL_ID, text="hi")
    assert info.value.response.status_code == 429
    assert info.value.response.headers["Retry-After"] == "7"
    assert info.value.response["error"] == "ratelimited"

    standin.fail_next("chat.postMessage", retry_after=0)
    retrying = AsyncWebClient(
        token=BOT_TOKEN,
        base_url=standin.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    answer = await retrying.chat_postMessage(channel=CHANNEL_ID, text="hi")
    assert answer["ok"] is True
    assert [c.error for c in standin.calls("chat.postMessage")] == [
        "ratelimited",
        "ratelimited",
        None,
    ]
    assert len(standin.messages(CHANNEL_ID)) == 1


async def test_server_error_and_other_faults(
    standin: SlackStandIn, web_client: AsyncWebClient
) -> None:
    standin.fail_next("chat.postMessage", status=500)
    with pytest.raises(SlackApiError) as info:
        await web_client.chat_postMessage(channel=CHANNEL_ID, text="hi")
    assert info.value.response.status_code == 500

    standin.fail_next("users.info", error="fatal_error", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as info:
            await web_client.users_info(user=ALICE)
        assert info.value.response["error"] == "fatal_error"
    assert (await web_client.users_info(user=ALICE))["user"]["real_name"] == "Alice Example"


async def test_delay_makes_the_client_time_out(standin: SlackStandIn) -> None:
    standin.fail_next("auth.test", delay=0.5, error=None)
    client = AsyncWebClient(token=BOT_TOKEN, base_url=standin.api_url, timeout=0.1)  # type: ignore[arg-type]
    with pytest.raises(asyncio.TimeoutError):
        await client.auth_test()


async def test_channel_rules(standin: SlackStandIn, web_client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as info:
        await web_client.chat_postMessage(channel="C0NOWHERE1", text="hi")
    assert info.value.response["error"] == "channel_not_found"

    standin.add_channel("C0OTHER001", member=False)
    with pytest.raises(SlackApiError) as info:
        await web_client.chat_postMessage(channel="C0OTHER001", text="hi")
    assert info.value.response["error"] == "not_in_channel"

    standin.set_bot_member(CHANNEL_ID, False)
    with pytest.raises(SlackApiError) as info:
        await web_client.chat_postMessage(channel=CHANNEL_ID, text="hi")
    assert info.value.response["error"] == "not_in_channel"


async def test_dm_users_info_and_ephemeral(
    standin: SlackStandIn, web_client: AsyncWebClient
) -> None:
    opened = await web_client.conversations_open(users=ALICE)
    dm = opened["channel"]["id"]
    assert dm == "D" + ALICE[1:]
    again = await web_client.conversations_open(users=ALICE)
    assert again["channel"]["id"] == dm
    await web_client.chat_postMessage(channel=dm, text="please vote")
    assert [m.text for m in standin.messages(dm)] == ["please vote"]
    with pytest.raises(SlackApiError) as err:  # the manifest does not ask for im:read
        await web_client.conversations_info(channel=dm)
    assert err.value.response["error"] == "missing_scope"
    standin.grant("im:read")
    info = await web_client.conversations_info(channel=dm)
    assert info["channel"]["is_im"] is True

    with pytest.raises(SlackApiError) as err:
        await web_client.users_info(user="U0NOBODY01")
    assert err.value.response["error"] == "user_not_found"

    posted = await web_client.chat_postEphemeral(channel=CHANNEL_ID, user=BOB, text="not you")
    assert standin.ephemerals(BOB)[0].ts == posted["message_ts"]
    assert standin.ephemerals(ALICE) == []


async def test_trigger_ids_are_single_use_and_expire(
    standin: SlackStandIn, web_client: AsyncWebClient
) -> None:
    view = modal([section("hello")])
    trigger = standin.mint_trigger_id(ALICE)
    opened = await web_client.views_open(trigger_id=trigger, view=view)
    assert opened["view"]["id"].startswith("V")
    assert opened["view"]["state"] == {"values": {}}
    assert opened["view"]["private_metadata"] == "meta"
    assert standin.last_view(ALICE) == opened["view"]

    with pytest.raises(SlackApiError) as info:
        await web_client.views_open(trigger_id=trigger, view=view)
    assert info.value.response["error"] == "exchanged_trigger_id"

    with pytest.raises(SlackApiError) as info:
        await web_client.views_open(trigger_id="123.456.nope", view=view)
    assert info.value.response["error"] == "invalid_trigger_id"

    stale = standin.mint_trigger_id(ALICE)
    standin.expire_triggers()
    with pytest.raises(SlackApiError) as info:
        await web_client.views_open(trigger_id=stale, view=view)
    assert info.value.response["error"] == "expired_trigger_id"


async def test_views_update_push_publish_and_validation(
    standin: SlackStandIn, web_client: AsyncWebClient
) -> None:
    opened = await web_client.views_open(
        trigger_id=standin.mint_trigger_id(ALICE), view=modal([section("one")])
    )
    view_id = opened["view"]["id"]
    updated = await web_client.views_update(
        view_id=view_id, hash=opened["view"]["hash"], view=modal([section("two")])
    )
    assert updated["view"]["id"] == view_id
    assert standin.last_view(ALICE)["blocks"][0]["text"]["text"] == "two"  # type: ignore[index]
    with pytest.raises(SlackApiError) as info:
        await web_client.views_update(view_id=view_id, hash="stale", view=modal([section("3")]))
    assert info.value.response["error"] == "hash_conflict"

    pushed = await web_client.views_push(
        trigger_id=standin.mint_trigger_id(ALICE), view=modal([section("pushed")], "More")
    )
    assert pushed["view"]["previous_view_id"] == view_id
    assert [v["id"] for v in standin.open_views(ALICE)] == [view_id, pushed["view"]["id"]]

    with pytest.raises(SlackApiError) as info:
        await web_client.views_open(
            trigger_id=standin.mint_trigger_id(ALICE), view=modal([section("x")], "T" * 25)
        )
    assert info.value.response["error"] == "invalid_arguments"

    home = {"type": "home", "blocks": [section("Your applications")]}
    await web_client.views_publish(user_id=BOB, view=home)
    published = standin.home_view(BOB)
    assert published is not None and published["type"] == "home"
    with pytest.raises(SlackApiError):
        await web_client.views_publish(
            user_id=BOB, view={"type": "home", "blocks": [section(str(i)) for i in range(101)]}
        )


async def test_response_url_takes_five_posts(standin: SlackStandIn) -> None:
    url = standin.mint_response_url(channel=CHANNEL_ID, user=ALICE)
    hook = AsyncWebhookClient(url)
    first = await hook.send(text="Posted for review", response_type="in_channel")
    assert first.status_code == 200
    for i in range(4):
        assert (await hook.send(text=f"ephemeral {i}")).status_code == 200
    sixth = await hook.send(text="one too many")
    assert (sixth.status_code, sixth.body) == (404, "used_url")
    assert len(standin.responses(url)) == 5
    assert [m.text for m in standin.messages(CHANNEL_ID)] == ["Posted for review"]
    assert len(standin.ephemerals(ALICE)) == 4

    other = AsyncWebhookClient(standin.mint_response_url(channel=CHANNEL_ID, user=ALICE))
    bad = await other.send(text="t", blocks=[section("x" * 3001)])
    assert (bad.status_code, bad.body) == (400, "invalid_blocks")


async def test_wait_for_sees_later_calls(standin: SlackStandIn, web_client: AsyncWebClient) -> None:
    async def later() -> None:
        await asyncio.sleep(0.05)
        await web_client.chat_postMessage(channel=CHANNEL_ID, text="after ack")

    task = asyncio.create_task(later())
    calls = await standin.wait_for("chat.postMessage", timeout=2.0)
    await task
    assert calls[0].args["text"] == "after ack"
    with pytest.raises(TimeoutError):
        await standin.wait_for("chat.postMessage", count=2, timeout=0.05)


def test_sign_matches_an_independent_hmac() -> None:
    body = b"token=x&team_id=T1&command=%2Fsanctuary&text=help"
    ts = 1_531_420_618
    expected = (
        "v0=" + hmac.new(SECRET.encode(), b"v0:1531420618:" + body, hashlib.sha256).hexdigest()
    )
    assert sign(SECRET, body, ts) == expected
    assert SignatureVerifier(SECRET).is_valid(body, str(ts), expected) is False  # stale
    verifier = SignatureVerifier(SECRET, clock=_FixedClock(ts))
    assert verifier.is_valid(body, str(ts), expected)


class _FixedClock(Clock):
    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


@pytest.fixture
async def echo_app() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """A tiny app that verifies Slack signatures like Bolt does and records what it got."""
    received: list[dict[str, Any]] = []
    verifier = SignatureVerifier(SECRET)

    async def events(request: web.Request) -> web.Response:
        raw = await request.read()
        if not verifier.is_valid_request(raw, dict(request.headers)):
            return web.Response(status=401, text="invalid signature")
        text = raw.decode()
        if request.content_type == "application/json":
            parsed: dict[str, Any] = json.loads(text)
        else:
            form = dict(parse_qsl(text, keep_blank_values=True))
            parsed = json.loads(form["payload"]) if "payload" in form else form
        received.append({"body": parsed, "headers": dict(request.headers)})
        if parsed.get("type") == "view_submission":
            return web.json_response({"response_action": "errors", "errors": {"name": "Too short"}})
        if parsed.get("type") == "block_suggestion":
            option = {"text": {"type": "plain_text", "text": "Leeds"}, "value": "E08000035"}
            return web.json_response({"options": [option]})
        if parsed.get("command"):
            return web.json_response({"text": "Here is some help"})
        return web.Response(text="")

    app = web.Application()
    app.router.add_post("/slack/events", events)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}", received
    await runner.cleanup()


async def test_signed_client_requests_verify(
    standin: SlackStandIn, echo_app: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = echo_app
    async with SignedSlackClient(url, SECRET, standin) as slack:
        reply = await slack.slash_command(ALICE, "help")
        assert reply.status == 200
        command = received[-1]["body"]
        assert command["command"] == "/sanctuary"
        assert command["user_name"] == "alice"
        assert command["response_url"].startswith(standin.base_url + "/response/")
        assert command["api_app_id"] == "A0STANDIN1"
        assert standin.ephemerals(ALICE)[-1].text == "Here is some help"

        stale = await slack.slash_command(ALICE, "help", timestamp=int(time.time()) - 400)
        assert stale.status == 401
        assert (await slack.slash_command(ALICE, "help", signature="v0=bad")).status == 401
        assert (await slack.slash_command(ALICE, "help", unsigned=True)).status == 401

        message = standin.add_user_message(CHANNEL_ID, BOB, "hello <@U0ALICE001>")
        event_reply = await slack.message_event(
            ALICE, "a comment", thread_ts=message.ts, event_id=None
        )
        assert event_reply.status == 200
        envelope = received[-1]["body"]
        assert envelope["type"] == "event_callback"
        assert envelope["event"]["thread_ts"] == message.ts
        assert envelope["event"]["parent_user_id"] == BOB
        assert envelope["authorizations"][0]["user_id"] == BOT_USER_ID
        assert standin.thread(CHANNEL_ID, message.ts)[0].text == "a comment"

        await slack.event({"type": "app_home_opened", "user": ALICE}, event_id="Ev1", retry_num=1)
        assert received[-1]["headers"]["X-Slack-Retry-Num"] == "1"
        assert received[-1]["headers"]["X-Slack-Retry-Reason"] == "http_timeout"

        await slack.message_changed_event(CHANNEL_ID, message.ts, "edited", BOB)
        changed = received[-1]["body"]["event"]
        assert changed["subtype"] == "message_changed"
        assert changed["message"]["text"] == "edited"
        assert changed["previous_message"]["text"] == "hello <@U0ALICE001>"
        await slack.message_deleted_event(CHANNEL_ID, message.ts)
        assert received[-1]["body"]["event"]["deleted_ts"] == message.ts
        assert standin.find_message(CHANNEL_ID, message.ts) is None


async def test_signed_client_interactions(
    standin: SlackStandIn,
    web_client: AsyncWebClient,
    echo_app: tuple[str, list[dict[str, Any]]],
) -> None:
    url, received = echo_app
    posted = await web_client.chat_postMessage(
        channel=CHANNEL_ID,
        text="Vote",
        blocks=[
            {"type": "actions", "block_id": "vote", "elements": [button("Approve", "approve")]}
        ],
    )
    async with SignedSlackClient(url, SECRET, standin) as slack:
        await slack.block_action(ALICE, "approve", message_ts=posted["ts"])
        payload = received[-1]["body"]
        assert payload["type"] == "block_actions"
        assert payload["container"]["message_ts"] == posted["ts"]
        assert payload["message"]["blocks"][0]["block_id"] == "vote"
        action = payload["actions"][0]
        assert (action["type"], action["block_id"], action["value"]) == ("button", "vote", "v")
        assert action["text"]["text"] == "Approve"
        assert payload["trigger_id"] and payload["response_url"]

        view = (
            await web_client.views_open(
                trigger_id=standin.mint_trigger_id(ALICE), view=_sample_modal()
            )
        )["view"]
        values = fill_view_state(view, {"name": "Al"})
        reply = await slack.view_submission(ALICE, view, values)
        assert reply.json == {"response_action": "errors", "errors": {"name": "Too short"}}
        assert standin.view_errors(view["id"]) == {"name": "Too short"}
        assert standin.last_view(ALICE) is not None
        submitted = received[-1]["body"]["view"]
        assert submitted["state"]["values"]["name"]["name_input"]["value"] == "Al"

        suggestion = await slack.block_suggestion(ALICE, "council", "lee", view=view)
        assert suggestion.json is not None
        assert suggestion.json["options"][0]["value"] == "E08000035"
        assert received[-1]["body"]["block_id"] == "council"

        await slack.view_closed(ALICE, view)
        assert received[-1]["body"]["type"] == "view_closed"
        assert standin.open_views(ALICE) == []


def _sample_modal() -> dict[str, Any]:
    def option(text: str, value: str) -> dict[str, Any]:
        return {"text": {"type": "plain_text", "text": text}, "value": value}

    def input_block(block_id: str, element: dict[str, Any]) -> dict[str, Any]:
        label = {"type": "plain_text", "text": block_id}
        return {"type": "input", "block_id": block_id, "label": label, "element": element}

    return modal(
        [
            input_block("name", {"type": "plain_text_input", "action_id": "name_input"}),
            input_block("passed", {"type": "datepicker", "action_id": "date"}),
            input_block(
                "scope",
                {
                    "type": "static_select",
                    "action_id": "scope",
                    "options": [option("Stand-alone", "standalone"), option("Broader", "broad")],
                },
            ),
            input_block("council", {"type": "external_select", "action_id": "council"}),
            input_block(
                "flags",
                {
                    "type": "checkboxes",
                    "action_id": "flags",
                    "options": [option("Renewal", "renewal"), option("Urgent", "urgent")],
                },
            ),
            input_block("who", {"type": "users_select", "action_id": "who"}),
            input_block("many", {"type": "multi_users_select", "action_id": "many"}),
            input_block("mail", {"type": "email_text_input", "action_id": "mail"}),
            input_block(
                "kind",
                {
                    "type": "radio_buttons",
                    "action_id": "kind",
                    "options": [option("New", "new"), option("Renewal", "renewal")],
                },
            ),
            input_block("link", {"type": "url_text_input", "action_id": "link"}),
        ]
    )


def test_fill_view_state_shapes() -> None:
    view = _sample_modal()
    values = fill_view_state(
        view,
        {
            "name": "Leeds City Council",
            "passed": "2024-03-01",
            "scope": "broad",
            "council": "E08000035",
            "flags": ["urgent"],
            "who": ALICE,
            "many": [ALICE, BOB],
            "mail": "a@example.org",
            "kind": "new",
        },
    )
    assert values["name"] == {
        "name_input": {"type": "plain_text_input", "value": "Leeds City Council"}
    }
    assert values["passed"] == {"date": {"type": "datepicker", "selected_date": "2024-03-01"}}
    assert values["scope"]["scope"] == {
        "type": "static_select",
        "selected_option": {"text": {"type": "plain_text", "text": "Broader"}, "value": "broad"},
    }
    council = values["council"]["council"]["selected_option"]
    assert council["value"] == council["text"]["text"] == "E08000035"
    assert values["flags"]["flags"]["selected_options"][0]["value"] == "urgent"
    assert values["who"]["who"] == {"type": "users_select", "selected_user": ALICE}
    assert values["many"]["many"]["selected_users"] == [ALICE, BOB]
    assert values["mail"]["mail"] == {"type": "email_text_input", "value": "a@example.org"}
    assert values["kind"]["kind"]["selected_option"]["text"]["text"] == "New"
    assert values["link"]["link"] == {"type": "url_text_input", "value": None}

    with pytest.raises(KeyError):
        fill_view_state(view, {"nope": "x"})
    with pytest.raises(ValueError):
        fill_view_state(view, {"scope": "not-an-option"})


def test_render_blocks_as_text() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Leeds City Council"}},
        section(
            "Motion: <https://leeds.gov.uk/m?a=1&amp;b=2|minutes> by <@U0ALICE001> &lt;ok&gt;",
            fields=[{"type": "mrkdwn", "text": "*Status*\nOpen"}],
        ),
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Tally: 1 approve"}]},
        {"type": "actions", "elements": [button("Approve", "a"), button("Decline", "d")]},
    ]
    text = render_blocks_as_text("fallback", blocks, users={ALICE: "alice"})
    assert text.splitlines() == [
        "== Leeds City Council ==",
        "Motion: minutes (https://leeds.gov.uk/m?a=1&b=2) by @alice <ok>",
        "*Status* Open",
        "────────────────────────",
        "Tally: 1 approve",
        "[Approve] [Decline]",
    ]
    assert render_blocks_as_text("plain &amp; simple", None) == "plain & simple"


def test_channel_links_render_with_the_channels_name(standin: SlackStandIn) -> None:
    """As Slack shows `<#C…>`: the demo printed the id where a reader sees the name."""
    blocks = [section(f"Vote in <#{CHANNEL_ID}>")]
    names = standin.channel_names()
    assert render_blocks_as_text("", blocks, channels=names) == "Vote in #la-network-working-group"
    assert render_blocks_as_text(f"See <#{CHANNEL_ID}>", None, channels=names) == (
        "See #la-network-working-group"
    )


async def test_render_transcript(standin: SlackStandIn, web_client: AsyncWebClient) -> None:
    posted = await web_client.chat_postMessage(
        channel=CHANNEL_ID,
        text="New application",
        blocks=[
            {"type": "header", "text": {"type": "plain_text", "text": "Leeds"}},
            {"type": "actions", "elements": [button("Approve", "a")]},
        ],
    )
    standin.add_user_message(CHANNEL_ID, ALICE, "Looks good <@U0BOB00001>", posted["ts"])
    await web_client.chat_postMessage(channel=CHANNEL_ID, text="Noted", thread_ts=posted["ts"])
    await web_client.chat_postMessage(channel=CHANNEL_ID, text="Reminder: vote")
    transcript = render_transcript(standin, CHANNEL_ID)
    assert transcript == (
        "#la-network-working-group\n"
        "═════════════════════════\n"
        "sanctuary-bot:\n"
        "  == Leeds ==\n"
        "  [Approve]\n"
        "  ↳ alice: Looks good @bob\n"
        "  ↳ sanctuary-bot: Noted\n"
        "\n"
        "sanctuary-bot: Reminder: vote\n"
    )


async def test_a_real_bolt_app_round_trip(standin: SlackStandIn) -> None:
    """Bolt accepts the signed requests and its client and respond() land in the stand-in."""
    from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
    from slack_bolt.context.say.async_say import AsyncSay

    bolt = AsyncApp(
        token=BOT_TOKEN,
        signing_secret=SECRET,
        client=AsyncWebClient(token=BOT_TOKEN, base_url=standin.api_url),
    )

    @bolt.command("/sanctuary")
    async def command(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=_sample_modal())

    @bolt.view("apply")
    async def submitted(ack: AsyncAck, view: dict[str, Any], say: AsyncSay) -> None:
        name = view["state"]["values"]["name"]["name_input"]["value"]
        await ack()
        await bolt.client.chat_postMessage(
            channel=CHANNEL_ID,
            text=f"{name} applied",
            blocks=[
                section(f"*{name}* applied"),
                {"type": "actions", "elements": [button("Approve", "approve", "app-1")]},
            ],
        )

    @bolt.action("approve")
    async def approve(ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any]) -> None:
        await ack()
        await respond(text=f"Vote recorded: {body['actions'][0]['value']}")

    @bolt.event("message")
    async def on_message(event: dict[str, Any], say: AsyncSay) -> None:
        if event.get("user") != BOT_USER_ID:
            await say(text="Comment recorded", thread_ts=event.get("thread_ts") or event["ts"])

    runner = web.AppRunner(bolt.web_app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        async with SignedSlackClient(f"http://{host}:{port}", SECRET, standin) as slack:
            assert (await slack.slash_command(ALICE, "apply")).status == 200
            await standin.wait_for("views.open")
            view = standin.last_view(ALICE)
            assert view is not None
            reply = await slack.view_submission(
                ALICE, view, fill_view_state(view, {"name": "Leeds"})
            )
            assert reply.status == 200
            assert standin.open_views(ALICE) == []
            await standin.wait_for("chat.postMessage")
            post = standin.messages(CHANNEL_ID)[0]
            await slack.block_action(BOB, "approve", message_ts=post.ts)
            await standin.wait_until(lambda: bool(standin.ephemerals(BOB)), timeout=5)
            assert standin.ephemerals(BOB)[0].text == "Vote recorded: app-1"
            await slack.message_event(ALICE, "I have a question", thread_ts=post.ts)
            await standin.wait_for("chat.postMessage", count=2)
            assert [m.text for m in standin.thread(CHANNEL_ID, post.ts)] == [
                "I have a question",
                "Comment recorded",
            ]
            assert standin.calls("auth.test")
            assert standin.warnings == []
    finally:
        await runner.cleanup()
