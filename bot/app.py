"""The app factory: an AsyncApp with every listener registered and `deps` in its context."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext, AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.modal_state import first_input
from bot.sending.context import Deps
from bot.sending.db_errors import DATABASE_DOWN, is_database_unavailable, tell_database_down
from handlers import register_all

log = logging.getLogger(__name__)


class _NoUnusedTokenWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment even when given a client (which holds
    that very token), then warns at every start that the token "will be unused"."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


logging.getLogger("slack_bolt.AsyncApp").addFilter(_NoUnusedTokenWarning())


def make_client(deps: Deps) -> AsyncWebClient:
    """The Web API client: Slack's (or the stand-in's) URL, retrying politely when rate limited."""
    client = AsyncWebClient(
        token=deps.settings.bot_token,
        base_url=deps.settings.slack_api_url,
        timeout=deps.settings.slack_timeout,
    )
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    return client


def well_formed(body: dict[str, Any]) -> bool:
    """The parts listeners read have the types Slack sends (a forged or broken body may not)."""
    if not isinstance(body, dict):
        return False
    user = body.get("user")
    interactive = ("block_actions", "view_submission", "view_closed", "block_suggestion")
    if body.get("type") in interactive and not (
        isinstance(user, dict) and isinstance(user.get("id"), str)
    ):
        return False
    actions = body.get("actions")
    if actions is not None and not (
        isinstance(actions, list) and all(isinstance(a, dict) for a in actions)
    ):
        return False
    return all(
        body.get(key) is None or isinstance(body.get(key), dict)
        for key in ("view", "channel", "container", "event")
    )


def build_app(deps: Deps, client: AsyncWebClient | None = None) -> AsyncApp:
    settings = deps.settings
    app = AsyncApp(
        client=client or make_client(deps),
        signing_secret=settings.signing_secret or "",
        # Socket Mode requests are authenticated by the socket; HTTP ones by their signature,
        # checked over the raw bytes before Bolt sees them (bot/inbound.py).
        request_verification_enabled=False,
        name="sanctuary-network-bot",
    )

    async def inject_deps(context: AsyncBoltContext, next: Callable[[], Awaitable[None]]) -> None:
        context["deps"] = deps
        await next()

    async def reject_malformed(
        body: dict[str, Any], next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        if not well_formed(body):
            return BoltResponse(status=400, body="malformed payload")
        await next()
        return None

    app.middleware(reject_malformed)
    app.middleware(inject_deps)

    async def on_error(
        error: Exception,
        body: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond | None,
        response: BoltResponse | None,
        logger: logging.Logger,
    ) -> BoltResponse | None:
        if not is_database_unavailable(error):
            logger.exception("Unhandled error in a listener: %s", error, exc_info=error)
            return None
        logger.warning("The database is unavailable: %s", error)
        submitted = body.get("type") == "view_submission"
        block = first_input(body.get("view") or {}) if submitted else None
        if response is not None and block is not None:
            # Not acked yet: keep the form open, with what was typed, and say why on it.
            errors = {"response_action": "errors", "errors": {block: DATABASE_DOWN}}
            return BoltResponse(
                status=200,
                body=json.dumps(errors),
                headers={"content-type": "application/json;charset=utf-8"},
            )
        await tell_database_down(body, client, respond)
        # Not acked yet (a form without inputs, say): answer 200, the person has been told.
        # Events are acked before their listener runs, so an event met by an outage is lost
        # (its claim was never written); only Slack's own retries would bring it back.
        if response is not None and body.get("type") != "event_callback":
            return BoltResponse(status=200, body="")
        return None

    app.error(on_error)
    register_all(app)
    return app
