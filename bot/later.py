"""`Later`: a part of the bot that start-up leaves out.

A sleeping dyno wakes on a user's command, so the bot's start-up is part of that command's wait: it
imports and builds only what the first answer needs (`/healthz`, the campaign form). What costs
start-up time and serves later requests (httpx and the certificate authorities, the forwarder, the
campaign creator) is a `Later`, built in a worker thread right after start-up; a request that needs it
first awaits the same build instead of starting another.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

_T = TypeVar("_T")


class Later(Generic[_T]):
    """`build()`'s result, made once, in a worker thread (imports hold the GIL, but not the event loop),
    by the first `get()`."""

    def __init__(self, build: Callable[[], _T]) -> None:
        self._build = build
        self._building: asyncio.Future[_T] | None = None

    async def get(self) -> _T:
        if self._building is None:
            self._building = asyncio.ensure_future(asyncio.to_thread(self._build))
        # Shielded: a waiter cancelled (a request gone, shutdown) leaves the build to the others.
        return await asyncio.shield(self._building)

    def built(self) -> _T | None:
        """The result if it is there already (to close it, or to wake it), else None."""
        building = self._building
        if building is None or not building.done() or building.cancelled() or building.exception():
            return None
        return building.result()
