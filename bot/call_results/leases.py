"""Claims as leases: a worker keeps the claims it holds alive with a heartbeat, so that a dead worker's
claims are free again within one lease while a live worker's never lapse.

A claim lasts `Lease.seconds` from its last renewal. The holder renews all it holds at once every
third of that (one UPDATE, scoped to its own claim token), so a beat may come two intervals late (an
event loop busy for seconds, a slow database) before a live claim could lapse. A worker that dies stops
beating: another takes its claims once the lease has run out, as job queues (Oban, River) rescue
orphaned jobs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError

from bot.config import DEFAULT_LEASE_SECONDS

logger = logging.getLogger(__name__)

Renew = Callable[[Collection[int]], Awaitable[object]]
"""Renews the leases of these claims, those the worker still holds (one statement)."""


@dataclass(frozen=True)
class Lease:
    seconds: float = DEFAULT_LEASE_SECONDS

    @property
    def length(self) -> timedelta:
        return timedelta(seconds=self.seconds)

    @property
    def beat_seconds(self) -> float:
        return self.seconds / 3


class HeldClaims:
    """The claims one worker holds, renewed together by its heartbeat while it holds them."""

    def __init__(self, renew: Renew, lease: Lease, worker: str) -> None:
        self._renew = renew
        self._lease = lease
        self._worker = worker
        self._held: set[int] = set()

    async def alongside(self, work: Awaitable[None]) -> None:
        """Run the worker's `work` (until cancelled) with the heartbeat beside it."""
        heartbeat = asyncio.create_task(self._beat(), name=f"{self._worker}_heartbeat")
        try:
            await work
        finally:
            heartbeat.cancel()

    @contextlib.contextmanager
    def holding(self, claim_ids: Iterable[int]) -> Iterator[None]:
        """Keep these claims, just taken, alive while the block runs; at its end each is settled, or
        left for another worker to take once its lease runs out."""
        ids = set(claim_ids)
        self._held |= ids
        try:
            yield
        finally:
            self._held -= ids

    async def _beat(self) -> None:
        """Renew every claim held, every third of a lease. A failed beat is logged and the next one
        tries again: two may fail before a live claim lapses."""
        while True:
            await asyncio.sleep(self._lease.beat_seconds)
            if not self._held:
                continue
            try:
                await self._renew(list(self._held))
            except SQLAlchemyError as error:
                failure = type(error).__name__
                logger.warning("claim_heartbeat_failed worker=%s error=%s", self._worker, failure)
            except Exception:  # a bug here must not stop the beat: every live claim would lapse
                logger.exception("claim_heartbeat_failed worker=%s error=unexpected", self._worker)
