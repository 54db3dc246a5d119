"""Forwarding each call result, unchanged, to the webhook URL the user typed in the form.

With "Post call results to this channel", Starleads sends the results to the bot; a user who also
typed a webhook URL of their own still gets every payload there, byte for byte as Starleads sent it,
so nobody has to choose. The forwarder runs for the life of the process, claims due forwards from
the database (several processes share the work), and retries a failed one with backoff (at least as
long as a `Retry-After` asks, within reason) before giving up on it as `dead`, which is logged and
recorded for the results thread's note (one per subscription and receiving host, shown by whoever
`on_dead` wakes: the forwarder never talks to Slack itself). Each workspace with forwards due gets its
own lane (bot/call_results/lanes.py) claiming a small batch of its forwards, so one workspace's dead or
slow endpoint keeps only its own lane busy and never holds another workspace's forwards. Logs name
the result by id and the destination by host only: a webhook URL often carries a secret in its path or query.

Whoever may use the form chooses where the bot sends requests from inside its own network, so by
default a URL whose host resolves to a loopback, private, link-local or otherwise non-public address
is refused (dead at once, with the reason in the thread and the address in the log only) unless
`RESULT_FORWARD_PRIVATE_ADDRESSES` allows it. Each try resolves the name once and connects to the
addresses it checked (TLS still verifies the certificate against the name): a DNS answer that changes
between the check and the connection (rebinding) can't lead the request inside. Connections are not
kept alive between tries, so a connection verified for one name never carries another name's payload.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from urllib.parse import urlsplit

import httpx
from sqlalchemy.exc import SQLAlchemyError

from bot.call_results.forward_problems import INSIDE_THE_NETWORK, NOT_RESOLVED, UNEXPECTED, UNUSABLE_URL
from bot.call_results.lanes import Lanes
from bot.call_results.leases import HeldClaims, Lease
from bot.store import DueForward, ForwardStore
from bot.webhooks.public_address import is_public

logger = logging.getLogger(__name__)

ForwardDied = Callable[[], None]
"""Told when a result will not be forwarded after all (recorded by then): its thread's note is due."""

Resolver = Callable[[str, int], Awaitable[list[str]]]
"""A host name and port → its addresses, in the order to try them."""

_DEFAULT_PORTS = {"http": 80, "https": 443}


async def resolve_host(host: str, port: int) -> list[str]:
    """The host's addresses as the system resolver gives them (each once), or [] when it has none (a name
    that can't even be looked up, such as one with a label over 63 characters, has none either)."""
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return list(dict.fromkeys(str(address[0]) for *_, address in found))


@dataclass(frozen=True)
class ForwardPacing:
    poll_seconds: float = 0.5  # a cheap indexed query when idle; a new result wakes it at once anyway
    batch: int = 10  # one workspace's forwards in flight at a time
    lanes: int = 50  # workspaces forwarded for at once; the others wait their turn, round-robin
    backoff_seconds: tuple[float, ...] = (10.0, 60.0, 300.0, 1800.0, 7200.0)  # between tries
    timeout_seconds: float = 10.0
    max_retry_after_seconds: float = 7200.0
    private_addresses: bool = False  # whether a URL may lead into the bot's own network
    lease: Lease = field(default_factory=Lease)  # a claim not renewed this long: its forwarder died


class Forwarder:
    def __init__(
        self,
        forwards: ForwardStore,
        pacing: ForwardPacing | None = None,
        on_dead: ForwardDied | None = None,
        resolve: Resolver = resolve_host,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        """`tls`: a TLS context to share with the bot's other clients (loaded once)."""
        self._forwards = forwards
        self._tls = tls
        self._pacing = pacing or ForwardPacing()
        self._on_dead = on_dead
        self._resolve = resolve
        self._wake = asyncio.Event()
        self._lanes = Lanes(self._pacing.lanes, "result_forwarder")

    def wake(self) -> None:
        """A result was just stored: look now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        """Until cancelled: start the lanes of the workspaces with forwards due, then wait for more; the
        lanes stop with it."""
        timeout = httpx.Timeout(self._pacing.timeout_seconds)
        headers = {"User-Agent": "starleads-bot (call result forwarding)"}
        no_reuse = httpx.Limits(max_keepalive_connections=0)  # a connection is checked for one name
        async with httpx.AsyncClient(
            timeout=timeout,
            headers=headers,
            limits=no_reuse,
            follow_redirects=False,
            verify=self._tls or True,
        ) as http:
            try:
                await self._rounds(http)
            finally:
                self._lanes.stop()

    async def _rounds(self, http: httpx.AsyncClient) -> None:
        """A failed round is logged and the next one starts after the poll interval; a lane that
        forwarded something wakes the next round at once."""
        while True:
            self._wake.clear()
            try:
                await self._lanes.start_due(self._due_workspaces, (), partial(self._lane, http))
            except SQLAlchemyError as error:  # the forwards stay stored: the next round looks again
                logger.error("forward_round_failed error=%s", type(error).__name__)
            except Exception:
                logger.exception("forward_round_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._pacing.poll_seconds)

    async def _due_workspaces(self, limit: int, after: str) -> list[str]:
        return await self._forwards.due_workspaces(limit, after=after)

    async def _lane(self, http: httpx.AsyncClient, workspace: str) -> None:
        """One claim of the workspace's forwards, sent side by side while a heartbeat keeps the claims
        alive; claims a failed lane leaves behind expire and are taken again."""
        lease = self._pacing.lease
        try:
            due = await self._forwards.claim(self._pacing.batch, lease.length, workspace=workspace)
        except SQLAlchemyError as error:
            logger.error("forward_round_failed workspace=%s error=%s", workspace, type(error).__name__)
            return
        if not due:
            return
        held = HeldClaims(
            lambda ids: self._forwards.keep(ids, lease.length, workspace=workspace), lease, "result_forwarder"
        )
        with held.holding(item.id for item in due):
            await held.alongside(asyncio.gather(*(self._settle(http, item) for item in due)))
        self._wake.set()  # more of the workspace's forwards may be due

    async def _settle(self, http: httpx.AsyncClient, item: DueForward) -> None:
        """Forward `item` so that no single result can stop the worker: an error the forward did not
        expect gives it up (its thread's note says so); a database error leaves it to its lease."""
        try:
            try:
                await self._forward(http, item)
            except SQLAlchemyError:
                raise
            except Exception:
                logger.exception("forward_crashed result=%d", item.id)
                await self._give_up(item, _readable_host(item.url), UNEXPECTED)
        except SQLAlchemyError as error:  # left `forwarding`: taken again once its lease runs out
            logger.error("forward_mark_failed result=%d error=%s", item.id, type(error).__name__)

    async def _forward(self, http: httpx.AsyncClient, item: DueForward) -> None:
        attempt = item.attempts + 1
        try:
            url = httpx.URL(item.url)
            host, port = url.raw_host.decode("ascii"), url.port or _DEFAULT_PORTS[url.scheme]
        except (httpx.InvalidURL, UnicodeError, KeyError):
            logger.error("forward_refused result=%d reason=unusable-url", item.id)
            host = _readable_host(item.url)
            await self._give_up(item, host, UNUSABLE_URL)
            return
        addresses = await self._resolve(host, port)
        private = None if self._pacing.private_addresses else _first_private(addresses)
        if private is not None:
            logger.error(
                "forward_refused result=%d host=%s reason=private-address address=%s", item.id, host, private
            )
            await self._give_up(item, host, INSIDE_THE_NETWORK)
            return
        problem, asked_wait = await _post(http, url, addresses, item.payload)
        if problem is None:
            await self._forwards.forwarded(item.id, workspace=item.workspace_id)
            logger.info("result_forwarded result=%d host=%s attempt=%d", item.id, host, attempt)
            return
        backoff = self._pacing.backoff_seconds
        if item.attempts < len(backoff):
            delay = max(backoff[item.attempts], min(asked_wait, self._pacing.max_retry_after_seconds))
            await self._forwards.failed(
                item.id, attempt, timedelta(seconds=delay), workspace=item.workspace_id
            )
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
        await self._give_up(item, host, problem)

    async def _give_up(self, item: DueForward, host: str, problem: str) -> None:
        """`problem`: as bot/call_results/forward_problems.py stores it (a message's English id, said in
        the thread's language with `host` filled in), or a technical one, the same in every language."""
        await self._forwards.gave_up(item, host, problem)
        if self._on_dead:
            self._on_dead()


def _readable_host(url: str) -> str:
    """The host of a URL that can't be sent to, if one can be read from it at all ('' if not)."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def _first_private(addresses: list[str]) -> str | None:
    """The first address that isn't public (loopback, private, link-local, reserved…), or None."""
    return next((address for address in addresses if not is_public(address)), None)


async def _post(
    http: httpx.AsyncClient, url: httpx.URL, addresses: list[str], payload: str
) -> tuple[str | None, float]:
    """(None, 0) when the receiver took it (any 2xx); else what went wrong and the wait it asked for.

    Sent to the checked addresses in turn until one connects (none: the name did not resolve), under
    the URL's own name (`Host`, and TLS's SNI and certificate check), never to a fresh DNS answer."""
    headers = {"Content-Type": "application/json", "Host": url.netloc.decode("ascii")}
    extensions = {"sni_hostname": url.raw_host.decode("ascii")} if url.scheme == "https" else {}
    problem = NOT_RESOLVED
    for address in addresses:
        try:
            response = await http.post(
                url.copy_with(host=address), content=payload.encode(), headers=headers, extensions=extensions
            )
        except httpx.ConnectError as error:  # this address is unreachable: the next may not be
            problem = type(error).__name__
            continue
        except httpx.HTTPError as error:
            return type(error).__name__, 0.0
        if response.is_success:
            return None, 0.0
        return f"HTTP {response.status_code}", _retry_after(response)
    return problem, 0.0


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(float(response.headers.get("Retry-After", "0")), 0.0)
    except ValueError:
        return 0.0
