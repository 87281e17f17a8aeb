"""The app factory: an AsyncApp with every listener registered and `deps` in its context."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.context import Deps
from handlers import register_all

log = logging.getLogger(__name__)


def make_client(deps: Deps) -> AsyncWebClient:
    """The Web API client: Slack's (or the stand-in's) URL, retrying politely when rate limited."""
    client = AsyncWebClient(token=deps.settings.bot_token, base_url=deps.settings.slack_api_url)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    return client


def build_app(deps: Deps, client: AsyncWebClient | None = None) -> AsyncApp:
    settings = deps.settings
    app = AsyncApp(
        client=client or make_client(deps),
        signing_secret=settings.signing_secret or "",
        # Socket Mode requests are authenticated by the socket; HTTP ones by their signature.
        request_verification_enabled=not settings.socket_mode,
        name="sanctuary-network-bot",
    )

    async def inject_deps(context: AsyncBoltContext, next: Callable[[], Awaitable[None]]) -> None:
        context["deps"] = deps
        await next()

    app.middleware(inject_deps)

    async def on_error(error: Exception, body: dict[str, Any], logger: logging.Logger) -> None:
        logger.exception("Unhandled error in a listener: %s", error, exc_info=error)

    app.error(on_error)
    register_all(app)
    return app
