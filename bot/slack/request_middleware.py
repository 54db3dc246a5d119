"""Bolt middleware handed the request as Bolt parsed it, and nothing else.

A function given to `app.middleware` makes Bolt build every keyword argument it could ask for (the
payload parsed eight ways, the context's utilities: about thirty-five) for each such middleware on every
request: with four of them, about a third of an ack's CPU in a burst. An `AsyncMiddleware` is given the
request alone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

# Bolt's middleware chain is flat: `next()` only lets the chain go on once the middleware returns.
Next = Callable[[], Awaitable[None]]
Step = Callable[[AsyncBoltRequest, Next], Awaitable[BoltResponse | None]]


class RequestMiddleware(AsyncMiddleware):
    """`step(request, next)` as a Bolt middleware."""

    def __init__(self, step: Step) -> None:
        self._step = step

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],  # Bolt passes it by this name
    ) -> BoltResponse | None:
        return await self._step(req, next)

    @property
    def name(self) -> str:
        return f"RequestMiddleware({self._step.__qualname__})"
