"""Sending exactly once: the one way the bot sends a message that must never go twice.

Every such message has a key in the reminder ledger (bot/services/ledger.py), and one sequence:

1. claim the key (an INSERT under a unique key, committed), so one run in one instance goes on;
2. render the message after the claim, from the database as it is now, or learn that it is no
   longer needed (the claim is given back);
3. if an earlier run handed this message to Slack (a claim retaken after its lease), look for
   it where it would be, by the key it carries in its message metadata, and if it is there,
   adopt it (its ts becomes the message's) instead of sending it again;
4. otherwise note in the ledger that it is handed to Slack now (the first time), and send it
   with its key as metadata;
5. if Slack failed, give the claim back only if Slack surely did not send it (its own refusal,
   `surely_not_sent`); after a time-out or a gateway error the message may have gone through,
   so the claim is kept until its lease runs out and a later scan retries (and looks first);
6. if Slack took it, mark the key sent and record what the sender needs (an audit entry, where
   the message is) in one transaction.

`post_once` does this for `chat.postMessage`: a channel post, a reply in a thread or a direct
message, told apart by its `Message`; each is looked for where it would be:
`conversations.history` of the channel, `conversations.replies` of the thread's parent, or the
history of the bot's DM with the person (opened with `conversations.open`). `update_once` does
it for an idempotent re-render with `chat.update`, which needs no look-up.

A conversation that refused permanently is tried at most hourly by this process
(bot/sending/slack_health.py), and each member of staff is told at most once a day, through
this same path (the day's notice is a ledger key of its own).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from slack_sdk.models.blocks import Block
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.dates import local_date
from bot.sending.context import Deps
from bot.sending.slack_errors import (
    CANNOT_REACH_SLACK,
    PERMANENT_REFUSALS,
    SLACK_FAILURES,
    error_code,
    explain,
    explain_code,
    is_transient,
    surely_not_sent,
)
from bot.services import ledger
from bot.services.ledger import Key as Key  # senders name their message's key here
from models.db import transaction

log = logging.getLogger(__name__)

STAFF_NOTICE = "staff_notice"

# The `event_type` of the metadata every message sent exactly once carries.
METADATA_EVENT_TYPE = "sanctuary_once"
# Looked for from this long before the first attempt: Slack's clock and ours may differ a little.
CLOCK_SKEW = timedelta(minutes=5)
# Messages a page when looking through a conversation.
LOOKUP_PAGE = 200
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def metadata_of(key: Key) -> dict[str, Any]:
    """The message metadata that carries `key` in Slack (`chat.postMessage`'s)."""
    return {"event_type": METADATA_EVENT_TYPE, "event_payload": asdict(key)}


def carries(message: dict[str, Any], key: Key) -> bool:
    """Whether a message as Slack lists it (with its metadata) carries `key`."""
    metadata = message.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("event_type") != METADATA_EVENT_TYPE:
        return False
    payload = metadata.get("event_payload")
    if not isinstance(payload, dict):
        return False
    wanted = asdict(key)
    # Compared as text: a number may come back from Slack as a string.
    return {k: str(v) for k, v in payload.items()} == {k: str(v) for k, v in wanted.items()}


@dataclass(frozen=True)
class Message:
    """What `chat.postMessage` sends: a channel post, a reply in a thread, or a direct message."""

    channel: str  # a channel id, or a user id for a direct message
    text: str  # always sent: notifications and screen readers use it
    blocks: Sequence[Block] | None = None
    thread_ts: str | None = None
    broadcast: bool = False  # a reply also shown in the channel

    @property
    def kind(self) -> Literal["post", "reply", "dm"]:
        if self.channel[:1] in ("U", "W", "D"):
            return "dm"
        return "reply" if self.thread_ts is not None else "post"

    def arguments(self) -> dict[str, Any]:
        """The `chat.postMessage` arguments."""
        arguments: dict[str, Any] = {"channel": self.channel, "text": self.text}
        if self.blocks is not None:
            arguments["blocks"] = self.blocks
        if self.thread_ts is not None:
            arguments["thread_ts"] = self.thread_ts
            if self.broadcast:
                arguments["reply_broadcast"] = True
        return arguments


@dataclass(frozen=True)
class Sent:
    """Where Slack put the message, and the moment it was sent for."""

    channel: str  # as Slack answered: for a direct message, the DM's id
    ts: str
    at: datetime


class Status(StrEnum):
    SENT = "sent"
    TAKEN = "taken"  # sent before, or being sent right now by another run
    NOT_NEEDED = "not_needed"  # the render step said so; the claim was given back
    HELD_BACK = "held_back"  # the conversation refused permanently less than an hour ago
    FAILED = "failed"  # Slack failed; the claim was given back only if it surely did not send


@dataclass(frozen=True)
class Delivery:
    """How an exactly-once send went."""

    status: Status
    sent: Sent | None = None
    error_code: str | None = None
    advice: str | None = None  # explain(error), for people, when held back or failed
    claim_released: bool = False  # failed and given back: the next run retries it at once
    adopted: bool = False  # sent by an earlier run whose answer never came; found in Slack

    @property
    def ok(self) -> bool:
        return self.status is Status.SENT


# Renders the message after the claim; None when it is no longer needed.
Render = Callable[[], Awaitable[Message | None]]
# Records what was sent, in the transaction that marks the key sent.
Record = Callable[[AsyncSession, Sent], Awaitable[object]]


async def post_once(
    deps: Deps,
    client: AsyncWebClient,
    key: Key,
    render: Render | Message,
    record: Record | None = None,
    *,
    now: datetime | None = None,
    tell_staff: bool = True,
) -> Delivery:
    """Send a message with `chat.postMessage` exactly once for `key` (see the module docstring).

    `render` is a finished `Message`, or a step run after the claim. `now` is the moment the
    ledger and `record` see (default: the clock). `tell_staff=False` for the staff notices
    themselves, so that a notice that fails does not notify about itself.
    """
    now = now or deps.clock.now()
    claim = await ledger.claim_to_send(deps.sessions, key, now)
    if claim is None:
        return Delivery(Status.TAKEN)
    try:
        message = render if isinstance(render, Message) else await render()
    except Exception:
        await ledger.release(deps.sessions, claim.id)  # nothing was sent
        raise
    if message is None:
        await ledger.release(deps.sessions, claim.id)
        return Delivery(Status.NOT_NEEDED)
    refusal = deps.slack_health.held_back(message.channel, now)
    if refusal is not None:
        await ledger.release(deps.sessions, claim.id)
        return Delivery(
            Status.HELD_BACK, error_code=refusal.code, advice=explain_code(refusal.code)
        )
    if claim.first_attempt_at is None:
        await ledger.mark_attempted(deps.sessions, claim.id, deps.clock.now())
    else:
        try:
            found = await find_in_slack(client, key, message, since=claim.first_attempt_at)
        except SLACK_FAILURES as error:
            if is_transient(error):
                # Not knowing, sending could repeat it: the claim waits out its lease again.
                log.warning("Could not look for %s in Slack: %s", key, error_code(error))
                return Delivery(Status.FAILED, error_code=error_code(error), advice=explain(error))
            log.warning(
                "Could not look for %s in Slack, so it is sent again (it may repeat): %s",
                key,
                explain(error),
            )
            found = None
        if found is not None:
            log.info("%s reached Slack on an earlier attempt (%s): not sent again", key, found.ts)
            deps.slack_health.accepted(message.channel)
            await _mark_sent(deps, claim.id, found, record)
            return Delivery(Status.SENT, sent=found, adopted=True)
    try:
        answer = await client.chat_postMessage(**message.arguments(), metadata=metadata_of(key))
    except SLACK_FAILURES as error:
        released = surely_not_sent(error)
        if released:
            await ledger.release(deps.sessions, claim.id)
        return await _failed(
            deps, client, key, message, error, now, released=released, tell_staff=tell_staff
        )
    deps.slack_health.accepted(message.channel)
    sent = Sent(channel=str(answer.get("channel") or message.channel), ts=str(answer["ts"]), at=now)
    await _mark_sent(deps, claim.id, sent, record)
    return Delivery(Status.SENT, sent=sent)


async def find_in_slack(
    client: AsyncWebClient, key: Key, message: Message, *, since: datetime
) -> Sent | None:
    """The message carrying `key`, if Slack has it where `message` would be, posted `since`
    (less `CLOCK_SKEW`) or later; None if it is not there. Slack's failures propagate.

    A post is looked for in the channel's history, a reply among its thread's replies, a
    direct message in the history of the bot's DM with the person.
    """
    oldest = _slack_ts(since - CLOCK_SKEW)
    channel = message.channel
    if message.kind == "reply":
        read = client.conversations_replies
        where: dict[str, Any] = {"channel": channel, "ts": message.thread_ts}
    else:
        if message.kind == "dm" and not channel.startswith("D"):
            opened = await client.conversations_open(users=channel)
            channel = str(opened["channel"]["id"])
        read = client.conversations_history
        where = {"channel": channel}
    cursor: str | None = None
    while True:
        page = await read(
            **where,
            oldest=oldest,
            inclusive=True,
            include_all_metadata=True,
            limit=LOOKUP_PAGE,
            cursor=cursor,
        )
        for listed in page.get("messages") or []:
            if isinstance(listed, dict) and carries(listed, key):
                ts = str(listed["ts"])
                return Sent(channel=channel, ts=ts, at=_time_of(ts))
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if cursor is None:
            return None


def _slack_ts(at: datetime) -> str:
    """A moment as Slack's `oldest`/`latest` take it: epoch seconds with microseconds."""
    micros = (at - _EPOCH) // timedelta(microseconds=1)
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def _time_of(ts: str) -> datetime:
    """When Slack posted a message, from its ts."""
    seconds, _, fraction = ts.partition(".")
    return _EPOCH + timedelta(seconds=int(seconds), microseconds=int((fraction + "000000")[:6]))


async def update_once(
    deps: Deps,
    client: AsyncWebClient,
    key: Key,
    update: Callable[[], Awaitable[object]],
    *,
    now: datetime | None = None,
) -> Delivery:
    """Run an idempotent re-render (`update`, e.g. `refresh_post`) once for `key`.

    Unlike a post, the claim is given back on any failure, even one after which Slack may have
    acted: the update renders the same message from the database again, so doing it twice
    shows nothing twice, and the next run simply does it again. A permanent refusal is only
    logged here: `update` knows its conversation, this function does not, and posts to the same
    channel (`post_once`) hold it back and tell staff.
    """
    now = now or deps.clock.now()
    claim = await ledger.claim_to_send(deps.sessions, key, now)
    if claim is None:
        return Delivery(Status.TAKEN)
    try:
        await update()
    except SLACK_FAILURES as error:
        await ledger.release(deps.sessions, claim.id)
        return await _failed(deps, client, key, None, error, now, released=True, tell_staff=False)
    except Exception:
        await ledger.release(deps.sessions, claim.id)
        raise
    await ledger.mark_sent(deps.sessions, claim.id, now)
    return Delivery(Status.SENT)


async def _mark_sent(deps: Deps, claim: int, sent: Sent, record: Record | None) -> None:
    async with transaction(deps.sessions) as session:
        await ledger.mark_sent_in(session, claim, sent.at)
        if record is not None:
            await record(session, sent)


async def _failed(
    deps: Deps,
    client: AsyncWebClient,
    key: Key,
    message: Message | None,
    error: BaseException,
    now: datetime,
    *,
    released: bool,
    tell_staff: bool,
) -> Delivery:
    """Log the failure once where it repeats, hold back a refused conversation, tell staff."""
    code = error_code(error)
    delivery = Delivery(
        Status.FAILED, error_code=code, advice=explain(error), claim_released=released
    )
    if code in CANNOT_REACH_SLACK:
        # Every send fails alike until the token is fixed: one line, not one per message.
        if deps.slack_health.lost_access(code):
            log.error("Slack refuses the bot's token, so nothing can be sent: %s", explain(error))
        return delivery
    log.warning("Not sent: %s: %s", key, code)
    if code in PERMANENT_REFUSALS and message is not None:
        deps.slack_health.refused(message.channel, code, now)
        if tell_staff:
            await _tell_staff(deps, client, message, code, now)
    return delivery


async def _tell_staff(
    deps: Deps, client: AsyncWebClient, refused: Message, code: str, now: datetime
) -> None:
    """DM each member of staff what to fix: at most once a day each, across restarts and
    instances, because the day's notice to each is a key in the ledger."""
    day = local_date(now, deps.settings.timezone)
    text = staff_notice(refused, code)
    for staff in sorted(deps.settings.staff):
        key = Key(STAFF_NOTICE, subject_id=int(day.strftime("%Y%m%d")), recipient=staff)
        notice = Message(channel=staff, text=text)
        await post_once(deps, client, key, notice, now=now, tell_staff=False)


def staff_notice(refused: Message, code: str) -> str:
    """The words of the daily notice: where Slack refused, why, and what to do."""
    if refused.kind == "dm":
        where = f"<@{refused.channel}> (a direct message)"
        advice = (
            f"Slack said `{code}`: the bot cannot write to this person; they may have left the "
            "workspace, or be on the roster under a wrong user ID."
        )
    else:
        where = f"<#{refused.channel}>"
        advice = explain_code(code)
    return (
        f":warning: Slack refused a message to {where}. {advice} The bot tries again at most "
        "once an hour; once it is fixed, `sanctuary-bot scan all` (or a restart) sends what is "
        "waiting at once. (This notice comes at most once a day.)"
    )
