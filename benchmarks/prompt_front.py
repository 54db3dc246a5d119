"""An asyncio front for a stand-in: each request is stamped as it is read, before any is answered.

The stand-ins are `ThreadingHTTPServer`s: a thread per connection, one GIL, so a request is stamped
only once its thread gets the GIL, after the other threads have answered theirs. Measured with 50
`views.open` of the bot's modal sent at once over warm connections, from another process: the threaded
Slack stand-in stamps the last one 56–63 ms after they were sent; spread over 50 ms, the last is
stamped ~3 ms after it was sent. An app that sends its `views.open` calls together (the bot acks a
whole burst first, then opens the forms) was charged for the stand-in's own queue, one that spreads
them out (the minimal app) was not; Slack's real API answers such calls side by side.

Here uvicorn reads every request whose bytes have arrived in the same turn of its event loop, and
each is stamped in its first step, a turn before any of them is answered (`asyncio.sleep(0)`): the
same 50 calls at once are all stamped within ~31 ms. The answers still come from the stand-in's own
`handle` (which must not block: it runs on this event loop), and the request joins its `requests` as
if the threaded server had read it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any
from urllib.parse import parse_qsl

import uvicorn

from tests.conftest import free_port
from tests.standins.http import Recorded, StandIn


class PromptFront:
    """Serves `stand_in.handle` on a loopback port of its own, from a thread running uvicorn."""

    def __init__(self, stand_in: StandIn) -> None:
        self._stand_in = stand_in
        self.port = free_port()
        config = uvicorn.Config(
            self._asgi,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            interface="asgi3",
            access_log=False,
            lifespan="off",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> PromptFront:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the prompt front did not start within 10 s")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    async def _asgi(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        recorded = Recorded(
            method=scope["method"],
            path=scope["path"],
            headers={name.decode().lower(): value.decode() for name, value in scope["headers"]},
            body=body,
            query=dict(parse_qsl(scope["query_string"].decode())),
        )
        await asyncio.sleep(0)  # every request read in this turn is stamped before one is answered
        self._stand_in.record(recorded)
        status, headers, reply = self._stand_in.handle(recorded)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    *((name.encode(), value.encode()) for name, value in headers.items()),
                    (b"content-length", str(len(reply)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": reply})
