"""HTTP mode: `POST /slack/events` for Slack, `GET /healthz` for load balancers."""

from __future__ import annotations

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from sqlmodel import select

from bot.context import Deps

DEPS_KEY = web.AppKey("deps", Deps)
BOLT_KEY = web.AppKey("bolt", AsyncApp)


async def slack_events(request: web.Request) -> web.Response:
    bolt_request = await to_bolt_request(request)
    bolt_response = await request.app[BOLT_KEY].async_dispatch(bolt_request)
    return await to_aiohttp_response(bolt_response)


async def healthz(request: web.Request) -> web.Response:
    deps = request.app[DEPS_KEY]
    try:
        async with deps.sessions() as session:
            await session.exec(select(1))
    except Exception as error:  # any database failure means "not healthy", with the reason
        return web.json_response({"ok": False, "database": str(error)[:200]}, status=503)
    return web.json_response({"ok": True})


def build_web_app(bolt: AsyncApp, deps: Deps) -> web.Application:
    web_app = web.Application(client_max_size=1024 * 1024)
    web_app[BOLT_KEY] = bolt
    web_app[DEPS_KEY] = deps
    web_app.router.add_post("/slack/events", slack_events)
    web_app.router.add_get("/healthz", healthz)
    return web_app
