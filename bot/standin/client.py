"""Sends the bot correctly signed requests shaped like Slack's, as Slack would send them.

Each interaction mints its trigger_id and response_url from the stand-in, so whatever the bot
does with them lands back in the stand-in.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import secrets
import time
import uuid
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlencode

import aiohttp

from bot.standin.server import (
    APP_ID,
    BOT_USER_ID,
    CHANNEL_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    SlackStandIn,
)
from bot.standin.signing import signed_headers

_VERIFICATION_TOKEN = "standin-verification-token"
_FORM = "application/x-www-form-urlencoded"

# state.values key holding each element type's answer, and its shape when left empty.
_SINGLE_VALUE = {
    "plain_text_input": "value",
    "email_text_input": "value",
    "url_text_input": "value",
    "number_input": "value",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
    "users_select": "selected_user",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
}
_MULTI_ID = {
    "multi_users_select": "selected_users",
    "multi_conversations_select": "selected_conversations",
    "multi_channels_select": "selected_channels",
}
_ONE_OPTION = {"static_select", "external_select", "radio_buttons"}
_MANY_OPTIONS = {"checkboxes", "multi_static_select", "multi_external_select"}
_INITIAL = {
    "value": "initial_value",
    "selected_date": "initial_date",
    "selected_time": "initial_time",
    "selected_date_time": "initial_date_time",
    "selected_user": "initial_user",
    "selected_conversation": "initial_conversation",
    "selected_channel": "initial_channel",
    "selected_users": "initial_users",
    "selected_conversations": "initial_conversations",
    "selected_channels": "initial_channels",
}


@dataclass(frozen=True)
class SentRequest:
    """One request as it went to the bot."""

    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Reply:
    """The bot's HTTP answer to one request."""

    status: int
    body: str
    json: Any | None


def _options_of(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = [o for o in element.get("options", []) if isinstance(o, dict)]
    for group in element.get("option_groups", []):
        if isinstance(group, dict):
            options.extend(o for o in group.get("options", []) if isinstance(o, dict))
    return options


def _option(element: dict[str, Any], answer: Any) -> dict[str, Any]:
    if isinstance(answer, dict):
        return copy.deepcopy(answer)
    value = str(answer)
    candidates = _options_of(element)
    for key in ("initial_option",):
        if isinstance(element.get(key), dict):
            candidates.append(element[key])
    candidates.extend(o for o in element.get("initial_options", []) if isinstance(o, dict))
    for option in candidates:
        if option.get("value") == value:
            return copy.deepcopy(option)
    if element.get("type") in ("external_select", "multi_external_select"):
        return {"text": {"type": "plain_text", "text": value, "emoji": True}, "value": value}
    raise ValueError(f"{value!r} is not an option of {element.get('action_id')!r}")


def _element_state(element: dict[str, Any], answered: bool, answer: Any) -> dict[str, Any]:
    etype = element.get("type")
    if not isinstance(etype, str):
        raise ValueError(f"input element without a type: {element!r}")
    state: dict[str, Any] = {"type": etype}
    if etype in _SINGLE_VALUE:
        key = _SINGLE_VALUE[etype]
        if not answered:
            state[key] = element.get(_INITIAL[key])
        elif isinstance(answer, dt.datetime):
            state[key] = int(answer.timestamp())
        elif isinstance(answer, dt.date | dt.time):
            state[key] = answer.isoformat()
        else:
            state[key] = None if answer is None else answer
        if etype == "number_input" and state[key] is not None:
            state[key] = str(state[key])
    elif etype in _MULTI_ID:
        key = _MULTI_ID[etype]
        state[key] = list(answer) if answered else list(element.get(_INITIAL[key], []))
    elif etype in _ONE_OPTION:
        if not answered:
            initial = element.get("initial_option")
            state["selected_option"] = copy.deepcopy(initial) if initial else None
        else:
            state["selected_option"] = None if answer is None else _option(element, answer)
    elif etype in _MANY_OPTIONS:
        if not answered:
            state["selected_options"] = copy.deepcopy(element.get("initial_options", []))
        else:
            state["selected_options"] = [_option(element, a) for a in answer]
    else:
        raise ValueError(f"fill_view_state does not know element type {etype!r}")
    return state


def fill_view_state(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """Build `view.state.values` as Slack would send it, from answers keyed by block_id.

    An answer is a str (text inputs, select/radio values, dates, user ids), a list (checkboxes,
    multi-selects), a date, or a complete element state dict (used as is). Unanswered inputs get
    their initial value or Slack's empty shape.
    """
    values: dict[str, dict[str, Any]] = {}
    known: set[str] = set()
    for block in view.get("blocks", []):
        if not isinstance(block, dict) or block.get("type") != "input":
            continue
        block_id = block.get("block_id")
        element = block.get("element")
        if not isinstance(block_id, str) or not isinstance(element, dict):
            continue
        known.add(block_id)
        action_id = str(element.get("action_id", ""))
        answered = block_id in answers
        answer = answers.get(block_id)
        if answered and isinstance(answer, dict) and "type" in answer:
            state = copy.deepcopy(answer)
        else:
            state = _element_state(element, answered, answer)
        values[block_id] = {action_id: state}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise KeyError(f"no input blocks with block_id {unknown}")
    return values


def _find_element(blocks: Any, action_id: str) -> tuple[str | None, dict[str, Any] | None]:
    if not isinstance(blocks, list):
        return None, None
    for block in blocks:
        if not isinstance(block, dict):
            continue
        elements: list[Any] = [block.get("accessory"), block.get("element")]
        if isinstance(block.get("elements"), list):
            elements.extend(block["elements"])
        for element in elements:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                block_id = block.get("block_id")
                return (block_id if isinstance(block_id, str) else None), element
    return None, None


def _channel_type(channel_id: str) -> str:
    return {"D": "im", "G": "group"}.get(channel_id[:1], "channel")


def rich_text(text: str) -> list[dict[str, Any]]:
    """The `blocks` Slack adds to a person's message: its text again, as one rich_text section."""
    return [
        {
            "type": "rich_text",
            "block_id": secrets.token_hex(2),
            "elements": [
                {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
            ],
        }
    ]


def build_message_event(
    user_id: str,
    text: str,
    *,
    channel: str,
    ts: str,
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """A `message` event as Slack sends for a person's message (text already entity-encoded)."""
    event: dict[str, Any] = {
        "type": "message",
        "client_msg_id": str(uuid.uuid4()),
        "user": user_id,
        "text": text,
        "blocks": rich_text(text),
        "ts": ts,
        "team": TEAM_ID,
        "channel": channel,
        "event_ts": ts,
        "channel_type": _channel_type(channel),
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


class SignedSlackClient:
    """POSTs signed Slack requests to the bot's `/slack/events` endpoint."""

    fill_view_state = staticmethod(fill_view_state)

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        standin: SlackStandIn,
        *,
        team_id: str = TEAM_ID,
        timeout: float = 10.0,
    ) -> None:
        self.events_url = app_url.rstrip("/") + "/slack/events"
        self._secret = signing_secret
        self.standin = standin
        self.team_id = team_id
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None
        # Every request sent, as sent (body and headers): to measure it, or to replay it.
        self.sent: list[SentRequest] = []

    async def __aenter__(self) -> Self:
        self._ensure_session()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        self._session = None

    def _ensure_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(total=self._timeout)
            self._session = aiohttp.ClientSession(timeout=timeout)
        return self._session

    # ---- transport ---------------------------------------------------------------------------

    async def post_raw(self, body: bytes, headers: dict[str, str]) -> Reply:
        """POST exactly these bytes and headers (for signature tests)."""
        session = self._ensure_session()
        self.sent.append(SentRequest(body, dict(headers)))
        async with session.post(self.events_url, data=body, headers=headers) as res:
            text = await res.text()
            parsed: Any | None = None
            if text:
                try:
                    parsed = json.loads(text)
                except ValueError:
                    parsed = None
            return Reply(res.status, text, parsed)

    async def _send(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        unsigned: bool = False,
        extra_headers: dict[str, str] | None = None,
    ) -> Reply:
        headers = {"Content-Type": content_type}
        if not unsigned:
            signed = signed_headers(self._secret, body, timestamp)
            if signature is not None:
                signed["X-Slack-Signature"] = signature
            headers.update(signed)
        headers.update(extra_headers or {})
        return await self.post_raw(body, headers)

    async def _send_payload(self, payload: dict[str, Any]) -> Reply:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self._send(body, _FORM)

    def _user(self, user_id: str) -> dict[str, Any]:
        user = self.standin.user(user_id)
        name = user.name if user is not None else user_id.lower()
        return {"id": user_id, "username": name, "name": name, "team_id": self.team_id}

    def _team(self) -> dict[str, Any]:
        return {"id": self.team_id, "domain": TEAM_DOMAIN}

    def _channel(self, channel_id: str) -> dict[str, Any]:
        channel = self.standin.channel(channel_id)
        return {"id": channel_id, "name": channel.name if channel else channel_id.lower()}

    # ---- slash commands ------------------------------------------------------------------------

    async def slash_command(
        self,
        user_id: str,
        text: str,
        *,
        command: str = "/sanctuary",
        channel_id: str = CHANNEL_ID,
        timestamp: int | None = None,
        signature: str | None = None,
        unsigned: bool = False,
    ) -> Reply:
        """Run a slash command; what the ack says is shown to the user as Slack would."""
        user = self._user(user_id)
        fields = {
            "token": _VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel_id,
            "channel_name": self._channel(channel_id)["name"],
            "user_id": user_id,
            "user_name": user["name"],
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": self.standin.mint_response_url(channel=channel_id, user=user_id),
            "trigger_id": self.standin.mint_trigger_id(user_id),
        }
        body = urlencode(fields).encode()
        reply = await self._send(
            body, _FORM, timestamp=timestamp, signature=signature, unsigned=unsigned
        )
        if reply.status == 200 and isinstance(reply.json, dict):
            self.standin.record_ack_output(channel_id, user_id, reply.json)
        elif reply.status == 200 and reply.body and reply.json is None:
            # A plain-text ack body is shown to the user as an ephemeral message too.
            self.standin.record_ack_output(channel_id, user_id, {"text": reply.body})
        return reply

    # ---- interactivity -------------------------------------------------------------------------

    async def block_action(
        self,
        user_id: str,
        action_id: str,
        *,
        value: str | None = None,
        block_id: str | None = None,
        channel_id: str = CHANNEL_ID,
        message_ts: str | None = None,
        container_view_id: str | None = None,
        selected_option: str | dict[str, Any] | None = None,
        state_values: dict[str, Any] | None = None,
    ) -> Reply:
        """Click a button (or pick an option) in a message or a view, as `user_id`.

        The element is looked up by action_id in the message or view so the action carries
        its real type, block_id and text; `block_id` overrides (default "b" when not found).
        """
        payload = self.block_action_payload(
            user_id,
            action_id,
            value=value,
            block_id=block_id,
            channel_id=channel_id,
            message_ts=message_ts,
            container_view_id=container_view_id,
            selected_option=selected_option,
            state_values=state_values,
        )
        return await self._send_payload(payload)

    def block_action_payload(
        self,
        user_id: str,
        action_id: str,
        *,
        value: str | None = None,
        block_id: str | None = None,
        channel_id: str = CHANNEL_ID,
        message_ts: str | None = None,
        container_view_id: str | None = None,
        selected_option: str | dict[str, Any] | None = None,
        state_values: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The `block_actions` payload of `block_action` (for Socket Mode, say), not sent."""
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": APP_ID,
            "token": _VERIFICATION_TOKEN,
            "trigger_id": self.standin.mint_trigger_id(user_id),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "state": {"values": state_values or {}},
        }
        blocks: Any = None
        if container_view_id is not None:
            view = self.standin.view(container_view_id)
            if view is None:
                raise KeyError(f"the stand-in has no view {container_view_id}")
            view = copy.deepcopy(view)
            view["state"] = {"values": state_values or {}}
            payload["container"] = {"type": "view", "view_id": container_view_id}
            payload["view"] = view
            blocks = view.get("blocks")
        else:
            payload["channel"] = self._channel(channel_id)
            payload["response_url"] = self.standin.mint_response_url(
                channel=channel_id, user=user_id, message_ts=message_ts
            )
            container: dict[str, Any] = {"type": "message", "channel_id": channel_id}
            if message_ts is not None:
                container["message_ts"] = message_ts
                message = self.standin.find_message(channel_id, message_ts)
                ephemeral = self.standin.find_ephemeral(message_ts)
                if message is not None:
                    container["is_ephemeral"] = False
                    payload["message"] = message.to_slack()
                    blocks = message.blocks
                    if message.thread_ts is not None:
                        container["thread_ts"] = message.thread_ts
                elif ephemeral is not None:
                    container["is_ephemeral"] = True
                    blocks = ephemeral.blocks
                else:
                    raise KeyError(f"the stand-in has no message {message_ts} in {channel_id}")
            payload["container"] = container
        found_block_id, element = _find_element(blocks, action_id)
        payload["actions"] = [
            self._action(
                action_id,
                block_id or found_block_id or "b",
                element,
                value=value,
                selected_option=selected_option,
            )
        ]
        return payload

    @staticmethod
    def _action(
        action_id: str,
        block_id: str,
        element: dict[str, Any] | None,
        *,
        value: str | None,
        selected_option: str | dict[str, Any] | None,
    ) -> dict[str, Any]:
        default_type = "button" if selected_option is None else "static_select"
        etype = element.get("type", default_type) if element else default_type
        action: dict[str, Any] = {
            "type": etype,
            "action_id": action_id,
            "block_id": block_id,
            "action_ts": f"{time.time():.6f}",
        }
        if etype == "button":
            text = (element or {}).get("text") or {"type": "plain_text", "text": action_id}
            action["text"] = copy.deepcopy(text)
            button_value = value if value is not None else (element or {}).get("value")
            if button_value is not None:
                action["value"] = button_value
            if element and element.get("style"):
                action["style"] = element["style"]
        elif selected_option is not None:
            if element is not None and not isinstance(selected_option, dict):
                action["selected_option"] = _option(element, selected_option)
            elif isinstance(selected_option, dict):
                action["selected_option"] = copy.deepcopy(selected_option)
            else:
                action["selected_option"] = {
                    "text": {"type": "plain_text", "text": selected_option, "emoji": True},
                    "value": selected_option,
                }
        elif value is not None:
            action["value"] = value
        return action

    async def view_submission(
        self, user_id: str, view: dict[str, Any], values: dict[str, dict[str, Any]]
    ) -> Reply:
        """Submit a modal with `values` as its state.values, then apply the ack as Slack would."""
        submitted = copy.deepcopy(view)
        submitted["state"] = {"values": copy.deepcopy(values)}
        payload: dict[str, Any] = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": APP_ID,
            "token": _VERIFICATION_TOKEN,
            "trigger_id": self.standin.mint_trigger_id(user_id),
            "view": submitted,
            "response_urls": [],
            "enterprise": None,
            "is_enterprise_install": False,
        }
        reply = await self._send_payload(payload)
        if reply.status == 200 and isinstance(view.get("id"), str):
            self.standin.apply_submission_ack(user_id, view["id"], reply.json)
        return reply

    async def view_closed(self, user_id: str, view: dict[str, Any]) -> Reply:
        """Close a modal with the X (sent only when the view has notify_on_close)."""
        payload: dict[str, Any] = {
            "type": "view_closed",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": APP_ID,
            "token": _VERIFICATION_TOKEN,
            "view": copy.deepcopy(view),
            "is_cleared": False,
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if isinstance(view.get("id"), str):
            self.standin.close_view(user_id, view["id"])
        return await self._send_payload(payload)

    async def block_suggestion(
        self,
        user_id: str,
        action_id: str,
        value: str,
        *,
        block_id: str = "b",
        view: dict[str, Any] | None = None,
    ) -> Reply:
        """Type `value` into an external select; the reply's json holds the options."""
        payload: dict[str, Any] = {
            "type": "block_suggestion",
            "user": self._user(user_id),
            "team": self._team(),
            "api_app_id": APP_ID,
            "token": _VERIFICATION_TOKEN,
            "action_id": action_id,
            "block_id": block_id,
            "value": value,
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id")}
            payload["view"] = copy.deepcopy(view)
            found_block_id, _ = _find_element(view.get("blocks"), action_id)
            if found_block_id is not None and block_id == "b":
                payload["block_id"] = found_block_id
        return await self._send_payload(payload)

    # ---- events ---------------------------------------------------------------------------

    async def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> Reply:
        """Deliver an Events API event in its `event_callback` envelope."""
        envelope = {
            "token": _VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        extra: dict[str, str] = {}
        if retry_num is not None:
            extra = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        body = json.dumps(envelope).encode()
        return await self._send(body, "application/json", extra_headers=extra)

    async def message_event(
        self,
        user_id: str,
        text: str,
        *,
        channel: str = CHANNEL_ID,
        thread_ts: str | None = None,
        ts: str | None = None,
        event_id: str | None = None,
    ) -> Reply:
        """A person posts `text`: recorded in the stand-in (unless `ts` names an existing
        message) and delivered as a `message` event."""
        parent = thread_ts
        if ts is None:
            message = self.standin.add_user_message(channel, user_id, text, thread_ts=thread_ts)
            ts, parent = message.ts, message.thread_ts
        event = build_message_event(user_id, text, channel=channel, ts=ts, thread_ts=parent)
        if parent is not None:
            parent_message = self.standin.find_message(channel, parent)
            if parent_message is not None:
                event["parent_user_id"] = parent_message.user
        return await self.event(event, event_id=event_id)

    async def message_changed_event(self, channel: str, ts: str, new_text: str, user: str) -> Reply:
        """`user` edits their message `ts`; the stand-in's copy changes too."""
        message = self.standin.find_message(channel, ts)
        old_text = message.text if message is not None else ""
        thread_ts = message.thread_ts if message is not None else None
        if message is not None:
            self.standin.edit_message(channel, ts, new_text)
        event_ts = self.standin.next_ts()
        new: dict[str, Any] = {
            "type": "message",
            "user": user,
            "text": new_text,
            "blocks": rich_text(new_text),
            "ts": ts,
            "team": TEAM_ID,
            "edited": {"user": user, "ts": event_ts},
        }
        previous: dict[str, Any] = {
            "type": "message",
            "user": user,
            "text": old_text,
            "blocks": rich_text(old_text),
            "ts": ts,
            "team": TEAM_ID,
        }
        if thread_ts is not None:
            new["thread_ts"] = previous["thread_ts"] = thread_ts
        event = {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "channel": channel,
            "message": new,
            "previous_message": previous,
            "ts": event_ts,
            "event_ts": event_ts,
            "channel_type": _channel_type(channel),
        }
        return await self.event(event)

    async def message_deleted_event(self, channel: str, ts: str) -> Reply:
        """The message `ts` is deleted; the stand-in forgets it too."""
        message = self.standin.find_message(channel, ts)
        previous: dict[str, Any] = {"type": "message", "ts": ts, "text": ""}
        if message is not None:
            previous = message.to_slack()
            self.standin.delete_message(channel, ts)
        event_ts = self.standin.next_ts()
        event: dict[str, Any] = {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "channel": channel,
            "deleted_ts": ts,
            "previous_message": previous,
            "ts": event_ts,
            "event_ts": event_ts,
            "channel_type": _channel_type(channel),
        }
        if message is not None and message.thread_ts is not None:
            event["thread_ts"] = message.thread_ts
        return await self.event(event)


__all__ = ["Reply", "SentRequest", "SignedSlackClient", "build_message_event", "fill_view_state"]
