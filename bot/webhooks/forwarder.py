"""Forwarding each call result, unchanged, to the webhook URL the user typed in the form.

With "Post call results to this channel", Starleads sends the results to the bot; a user who also
typed a webhook URL of their own still gets every payload there, byte for byte as Starleads sent it,
so nobody has to choose. The forwarder runs for the life of the process, claims due forwards from
the database (several processes share the work), and retries a failed one with backoff (at least as
long as a `Retry-After` asks, within reason) before giving up on it as `dead`, which is logged and
noted in the results thread. Logs name the result by id and the destination by host only: a webhook
URL often carries a secret in its path or query.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from sqlalchemy.exc import SQLAlchemyError

from bot.store.forwards import DueForward, ForwardStore

logger = logging.getLogger(__name__)

DeadForward = Callable[[DueForward, str], Awaitable[None]]
"""Told when a result will not be forwarded after all: the result, and the last problem in words."""


@dataclass(frozen=True)
class ForwardPacing:
    poll_seconds: float = 0.5  # a cheap indexed query when idle; a new result wakes it at once anyway
    batch: int = 20  # forwards in flight at a time
    backoff_seconds: tuple[float, ...] = (10.0, 60.0, 300.0, 1800.0, 7200.0)  # between tries
    timeout_seconds: float = 10.0
    max_retry_after_seconds: float = 7200.0

    @property
    def hold(self) -> timedelta:
        """How long a claim lasts: well beyond one try, so only a dead process's claims expire."""
        return timedelta(seconds=3 * self.timeout_seconds + 60)


class Forwarder:
    def __init__(
        self,
        forwards: ForwardStore,
        pacing: ForwardPacing | None = None,
        on_dead: DeadForward | None = None,
    ) -> None:
        self._forwards = forwards
        self._pacing = pacing or ForwardPacing()
        self._on_dead = on_dead
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """A result was just stored: look now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        """Until cancelled: claim what is due, forward it, wait for more."""
        timeout = httpx.Timeout(self._pacing.timeout_seconds)
        headers = {"User-Agent": "starleads-bot (call result forwarding)"}
        async with httpx.AsyncClient(timeout=timeout, headers=headers, follow_redirects=False) as http:
            while True:
                try:
                    due = await self._forwards.claim(self._pacing.batch, self._pacing.hold)
                    await asyncio.gather(*(self._forward(http, item) for item in due))
                except SQLAlchemyError as error:  # claims left behind expire and are taken again
                    logger.error("forward_round_failed error=%s", type(error).__name__)
                    due = []
                if not due:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), timeout=self._pacing.poll_seconds)
                    self._wake.clear()

    async def _forward(self, http: httpx.AsyncClient, item: DueForward) -> None:
        attempt, host = item.attempts + 1, urlsplit(item.url).hostname or "?"
        problem, asked_wait = await _post(http, item)
        if problem is None:
            await self._forwards.forwarded(item.id)
            logger.info("result_forwarded result=%d host=%s attempt=%d", item.id, host, attempt)
            return
        backoff = self._pacing.backoff_seconds
        if item.attempts < len(backoff):
            delay = max(backoff[item.attempts], min(asked_wait, self._pacing.max_retry_after_seconds))
            await self._forwards.failed(item.id, attempt, timedelta(seconds=delay))
            logger.warning(
                "forward_failed result=%d host=%s attempt=%d problem=%s retry_in=%.1fs",
                item.id,
                host,
                attempt,
                problem,
                delay,
            )
            return
        await self._forwards.failed(item.id, attempt, None)
        logger.error("forward_dead result=%d host=%s attempts=%d problem=%s", item.id, host, attempt, problem)
        if self._on_dead:
            await self._on_dead(item, problem)


async def _post(http: httpx.AsyncClient, item: DueForward) -> tuple[str | None, float]:
    """(None, 0) when the receiver took it (any 2xx); else what went wrong and the wait it asked for."""
    try:
        response = await http.post(
            item.url, content=item.payload.encode(), headers={"Content-Type": "application/json"}
        )
    except httpx.HTTPError as error:
        return type(error).__name__, 0.0
    if response.is_success:
        return None, 0.0
    return f"HTTP {response.status_code}", _retry_after(response)


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(float(response.headers.get("Retry-After", "0")), 0.0)
    except ValueError:
        return 0.0
