"""`ReadThroughCache`: what a process keeps in memory of rows read on requests and written rarely.

One piece for every such cache, because each hand-rolled one raced its own writes. Its rules:

- One read per key at a time: requests that miss await the read under way instead of starting another.
- A write in this process shows to the next read. The writer says what it wrote (`put`, `update`) or
  what it changed (`forget`, `forget_where`), and a read begun before that is not kept (whoever awaits
  it still gets what it found), nor awaited by later requests, which read again.
- Past `fresh_seconds` a key is read again: before answering (`refresh_in_background=False`, for what
  must not be used stale), or in the background while requests go on with the copy kept, so a request
  waits on the database only for a key this process has never read.

Another process's writes show once the key is read again. Imports nothing of the bot, so the store and
the domain may both use it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True)
class _Kept(Generic[V]):
    value: V
    read_at: float  # by the cache's clock, when the read that found it began (or the write's)


class ReadThroughCache(Generic[K, V]):
    def __init__(
        self,
        load: Callable[[K], Awaitable[V]],
        *,
        name: str,
        fresh_seconds: float,
        refresh_in_background: bool,
        keeps: Callable[[V], bool] = lambda _: True,
        limit: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`load(key)`: the read. `name`: for log lines (keys never appear in them). `keeps(value)`:
        whether a value found may be kept (one that may change soon is read again each time). `limit`:
        how many keys at most; the one kept longest goes first."""
        self._load = load
        self._name = name
        self._fresh_seconds = fresh_seconds
        self._in_background = refresh_in_background
        self._keeps = keeps
        self._limit = limit
        self._clock = clock
        self._kept: dict[K, _Kept[V]] = {}
        self._reading: dict[K, asyncio.Future[V]] = {}

    async def get(self, key: K) -> V:
        kept = self._kept.get(key)
        if kept is not None:
            if self._clock() - kept.read_at <= self._fresh_seconds:
                return kept.value
            if self._in_background:
                self._read(key)
                return kept.value
        # Shielded: a waiter cancelled (a request gone) leaves the read to the others.
        return await asyncio.shield(self._read(key))

    def put(self, key: K, value: V) -> None:
        """This process has just written `value` as `key`'s."""
        self._reading.pop(key, None)
        self._keep(key, value, self._clock())

    def update(self, key: K, change: Callable[[V], V]) -> None:
        """This process has just written part of `key`'s value: the copy kept, if any, is `change`d
        alike (and stays as old as the rest of it)."""
        self._reading.pop(key, None)
        kept = self._kept.get(key)
        if kept is not None:
            self._kept[key] = _Kept(change(kept.value), kept.read_at)

    def forget(self, key: K) -> None:
        """`key` has changed: the next request reads it again."""
        self._reading.pop(key, None)
        self._kept.pop(key, None)

    def forget_where(self, changed: Callable[[V], bool]) -> None:
        """The values `changed` picks have changed. No read under way is kept either: what each will
        find is not known yet."""
        self._reading.clear()
        for key in [key for key, kept in self._kept.items() if changed(kept.value)]:
            del self._kept[key]

    def _read(self, key: K) -> asyncio.Future[V]:
        """The read of `key` under way, started if there is none."""
        reading = self._reading.get(key)
        if reading is None:
            read_at = self._clock()
            reading = asyncio.ensure_future(self._load(key))
            self._reading[key] = reading
            reading.add_done_callback(lambda done: self._read_done(key, done, read_at))
        return reading

    def _read_done(self, key: K, done: asyncio.Future[V], read_at: float) -> None:
        current = self._reading.get(key) is done  # else a write came after it began
        if current:
            del self._reading[key]
        if done.cancelled():
            return
        error = done.exception()
        if error is not None:  # the copy kept (if any) stays; the next request tries again
            logger.warning("cache_read_failed cache=%s error=%s", self._name, type(error).__name__)
        elif current:
            self._keep(key, done.result(), read_at)

    def _keep(self, key: K, value: V, read_at: float) -> None:
        if not self._keeps(value):
            self._kept.pop(key, None)
            return
        if self._limit is not None and key not in self._kept and len(self._kept) >= self._limit:
            del self._kept[next(iter(self._kept))]
        self._kept[key] = _Kept(value, read_at)
