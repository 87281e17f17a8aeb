"""Socket Mode for the stand-in: `apps.connections.open` hands out a websocket on which the
stand-in, playing Slack, sends envelopes and waits for the app's acknowledgements."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from aiohttp import WSMsgType, web

APP_TOKEN = "xapp-1-standin-app-token"


class SocketModeServer:
    """The websocket side of Socket Mode: one or more app connections, envelopes out, acks in."""

    def __init__(self, app_id: str) -> None:
        self._app_id = app_id
        self._connections: list[web.WebSocketResponse] = []
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._connected = asyncio.Condition()
        self.opened = 0  # connections made so far (a restarted app makes a new one)
        # While true, the websocket handshake fails (Slack's socket host out of reach, although
        # apps.connections.open answered): `refused` counts the attempts.
        self.refusing = False
        self.refused = 0

    @property
    def connections(self) -> int:
        return len(self._connections)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.refusing:
            self.refused += 1
            return web.Response(status=503, text="Service Unavailable")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self._connections) + 1,
                "connection_info": {"app_id": self._app_id},
                "debug_info": {"host": "standin", "approximate_connection_time": 3600},
            }
        )
        async with self._connected:
            self.opened += 1
            self._connections.append(ws)
            self._connected.notify_all()
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                ack = json.loads(message.data)
                future = self._acks.pop(str(ack.get("envelope_id")), None)
                if future is not None and not future.done():
                    future.set_result(ack)
        finally:
            self._connections.remove(ws)
        return ws

    async def wait_connected(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        async with asyncio.timeout(timeout), self._connected:
            await self._connected.wait_for(lambda: bool(self._connections))

    async def send(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> dict[str, Any]:
        """Send an envelope (`slash_commands`, `interactive` or `events_api`); the app's ack."""
        if not self._connections:
            raise RuntimeError("no app is connected in Socket Mode")
        envelope_id = f"env-{next(self._ids)}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = future
        await self._connections[-1].send_json(
            {
                "envelope_id": envelope_id,
                "type": envelope_type,
                "payload": payload,
                "accepts_response_payload": envelope_type != "events_api",
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        async with asyncio.timeout(timeout):
            return await future

    async def close_all(self) -> None:
        for ws in list(self._connections):
            await ws.close()
