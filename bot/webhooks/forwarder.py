"""Forwarding each call result, unchanged, to the webhook URL the user typed in the form.

With "Post call results to this channel", Starleads sends the results to the bot; a user who also
typed a webhook URL of their own still gets every payload there, byte for byte as Starleads sent it,
so nobody has to choose. The forwarder runs for the life of the process, claims due forwards from
the database (several processes share the work), and retries a failed one with backoff (at least as
long as a `Retry-After` asks, within reason) before giving up on it as `dead`, which is logged and
noted in the results thread. Logs name the result by id and the destination by host only: a webhook
URL often carries a secret in its path or query.

Whoever may use the form chooses where the bot sends requests from inside its own network, so by
default a URL whose host resolves to a loopback, private, link-local or otherwise non-public address
is refused (dead at once, with the reason in the thread) unless `RESULT_FORWARD_PRIVATE_ADDRESSES`
allows it. The check resolves the name just before each try; a DNS answer that changes between the
check and the connection is not caught.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
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
    private_addresses: bool = False  # whether a URL may lead into the bot's own network

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
        private = None if self._pacing.private_addresses else await _private_address(item.url)
        if private is not None:
            logger.error("forward_refused result=%d host=%s reason=private-address", item.id, host)
            await self._give_up(
                item,
                f"{private} is not a public address; the bot's admin may allow it with "
                "RESULT_FORWARD_PRIVATE_ADDRESSES",
            )
            return
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
        logger.error("forward_dead result=%d host=%s attempts=%d problem=%s", item.id, host, attempt, problem)
        await self._give_up(item, problem)

    async def _give_up(self, item: DueForward, problem: str) -> None:
        await self._forwards.failed(item.id, item.attempts + 1, None)
        if self._on_dead:
            await self._on_dead(item, problem)


async def _private_address(url: str) -> str | None:
    """The first address `url`'s host resolves to that isn't public, or None (also when it doesn't
    resolve: the try then fails as any unreachable host does, and is retried)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = await asyncio.get_running_loop().getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except OSError:
        return None
    for *_, address in found:
        ip = ipaddress.ip_address(address[0])
        if not ip.is_global:
            return str(ip)
    return None


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
