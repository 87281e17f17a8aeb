"""The HTTP server, in both modes: `GET /healthz` for load balancers and container health checks
(503 when the database does not answer or Slack refuses the bot's token), and the public register
at `GET /network` (HTML) and `GET /network.json`; in HTTP mode also `POST /slack/events` for
Slack."""

from __future__ import annotations

import logging
from datetime import date
from typing import Protocol

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from sqlmodel import select

from bot.blocks.register_page import render_html, render_json
from bot.domain.dates import local_date
from bot.inbound import MAX_BODY_BYTES, Inbound, Refusal
from bot.sending.context import Deps
from bot.services.register import RegisterEntry, current_members

log = logging.getLogger(__name__)


DEPS_KEY = web.AppKey("deps", Deps)
INBOUND_KEY = web.AppKey("inbound", Inbound)


async def slack_events(request: web.Request) -> web.Response:
    """Slack's requests: signature first (over the raw bytes), then stored, then Bolt."""
    inbound = request.app[INBOUND_KEY]
    with inbound.arriving():
        raw = await inbound.read_signed(request)
        if isinstance(raw, Refusal):
            return _refused(raw)
        outcome = await inbound.receive(
            raw=raw, headers=request.headers, query=request.query_string
        )
        if isinstance(outcome, Refusal):
            return _refused(outcome)
        return await to_aiohttp_response(outcome)


def _refused(refusal: Refusal) -> web.Response:
    log.info("Refused a request to /slack/events: %s", refusal.reason)
    response = web.json_response({"error": "refused"}, status=refusal.status)
    # Whatever the caller still sends on this connection is not read: it has to connect anew.
    response.force_close()
    return response


async def healthz(request: web.Request) -> web.Response:
    deps = request.app[DEPS_KEY]
    try:
        async with deps.sessions() as session:
            await session.exec(select(1))
    except Exception as error:  # any database failure means "not healthy"; no details leak
        log.warning("Health check: the database is unavailable (%s)", type(error).__name__)
        return web.json_response({"ok": False, "database": "unavailable"}, status=503)
    # Socket Mode: whether the connection to Slack is up. Not a failure while it is being made
    # again (it is, on its own, with growing pauses; restarting the bot would not help).
    socket = {} if deps.slack_health.socket is None else {"socket": deps.slack_health.socket}
    unreachable = deps.slack_health.unreachable
    if unreachable is not None:
        # Slack refuses the bot's token (invalid_auth, account_inactive): only the error code.
        return web.json_response({"ok": False, "slack": unreachable, **socket}, status=503)
    return web.json_response({"ok": True, **socket})


class _Render(Protocol):
    def __call__(self, entries: list[RegisterEntry], *, today: date) -> str: ...


async def _register(
    request: web.Request, render: _Render, content_type: str, headers: dict[str, str]
) -> web.Response:
    """Today's register as `render` writes it; anyone may cache it for five minutes."""
    deps = request.app[DEPS_KEY]
    today = local_date(deps.clock.now(), deps.settings.timezone)
    async with deps.sessions() as session:
        entries = await current_members(session, today)
    return web.Response(
        text=render(entries, today=today),
        content_type=content_type,
        charset="utf-8",
        headers={**headers, "Cache-Control": "public, max-age=300"},
    )


async def network_page(request: web.Request) -> web.Response:
    headers = {
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        "X-Content-Type-Options": "nosniff",
    }
    return await _register(request, render_html, "text/html", headers)


async def network_json(request: web.Request) -> web.Response:
    headers = {"Access-Control-Allow-Origin": "*"}
    return await _register(request, render_json, "application/json", headers)


def build_web_app(inbound: Inbound, *, with_slack_events: bool = True) -> web.Application:
    """The HTTP server: Slack's requests go to `inbound` (HTTP mode; in Socket Mode they come
    over the socket, and `with_slack_events` is False), the rest reads the database."""
    web_app = web.Application(client_max_size=max(MAX_BODY_BYTES.values()))
    web_app[INBOUND_KEY] = inbound
    web_app[DEPS_KEY] = inbound.deps
    if with_slack_events:
        web_app.router.add_post("/slack/events", slack_events)
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/network", network_page)
    web_app.router.add_get("/network.json", network_json)
    return web_app
