"""`ReadThroughCache`, the one piece behind the caches of preferences, workspace languages, Starleads
connections and webhook subscriptions: over a source whose reads the test holds and lets go, so each
race between a read and a write plays out in a known order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

import pytest

from bot.caching import ReadThroughCache
from tests.races import Clock, settled


class Source:
    """What a database would hold: a read sees the values of the moment it starts; `hold()` makes the
    next read wait, having read, until `release()`."""

    def __init__(self, **values: str) -> None:
        self.values: dict[str, str | None] = dict(values)
        self.reads = 0
        self._released = asyncio.Event()
        self._held = False
        self._started = asyncio.Event()

    def hold(self) -> None:
        self._held, self._released, self._started = True, asyncio.Event(), asyncio.Event()

    async def started(self) -> None:
        await self._started.wait()

    def release(self) -> None:
        self._released.set()

    async def load(self, key: str) -> str | None:
        self.reads += 1
        found = self.values.get(key)
        if self._held:
            self._held = False
            self._started.set()
            await self._released.wait()
        return found


async def at_once(answer: Awaitable[str | None]) -> str | None:
    """An answer that must not wait for the held read (bounded, so a test that fails fails fast)."""
    return await asyncio.wait_for(answer, 2)


def cache_of(
    source: Source, clock: Clock, *, in_background: bool = True
) -> ReadThroughCache[str, str | None]:
    return ReadThroughCache(
        source.load, name="test", fresh_seconds=10, refresh_in_background=in_background, clock=clock
    )


async def held_read(
    cache: ReadThroughCache[str, str | None], source: Source, key: str
) -> asyncio.Task[str | None]:
    """A request for `key` whose read of the source has begun, held until `source.release()`."""
    source.hold()
    reading = asyncio.create_task(cache.get(key))
    await source.started()
    return reading


def test_a_read_begun_before_a_write_does_not_put_the_old_value_back() -> None:
    async def test() -> None:
        source, clock = Source(a="old"), Clock()
        cache = cache_of(source, clock)
        early = await held_read(cache, source, "a")

        source.values["a"] = "new"
        cache.put("a", "new")
        source.release()

        assert await early == "old"  # it began before the write: what it found is its answer…
        assert await cache.get("a") == "new"  # …but not kept
        assert source.reads == 1

    asyncio.run(test())


def test_a_write_is_seen_by_the_next_read_which_does_not_join_an_older_one() -> None:
    async def test() -> None:
        source, clock = Source(a="old"), Clock()
        cache = cache_of(source, clock)
        early = await held_read(cache, source, "a")

        source.values["a"] = "new"
        cache.forget("a")

        assert await at_once(cache.get("a")) == "new"  # read again, while the older read is still held
        source.release()
        assert await early == "old"
        assert await cache.get("a") == "new"

    asyncio.run(test())


def test_an_update_changes_the_copy_kept_and_a_refresh_begun_before_it_is_dropped() -> None:
    async def test() -> None:
        source, clock = Source(a="old"), Clock()
        cache = cache_of(source, clock)
        assert await cache.get("a") == "old"
        clock.now += 11
        source.hold()
        assert await at_once(cache.get("a")) == "old"  # stale: served, and read again in the background
        await source.started()

        source.values["a"] = "old, then new"
        cache.update("a", lambda kept: f"{kept}, then new")
        source.release()
        await settled()  # the held refresh, which found "old", is over

        assert await cache.get("a") == "old, then new"

    asyncio.run(test())


def test_requests_that_miss_together_share_one_read() -> None:
    async def test() -> None:
        source, clock = Source(a="value"), Clock()
        cache = cache_of(source, clock)
        source.hold()
        waiting = [asyncio.create_task(cache.get("a")) for _ in range(5)]
        await source.started()
        source.release()

        assert await asyncio.gather(*waiting) == ["value"] * 5
        assert await cache.get("a") == "value"
        assert source.reads == 1

    asyncio.run(test())


def test_a_request_gone_leaves_the_shared_read_to_the_others() -> None:
    async def test() -> None:
        source, clock = Source(a="value"), Clock()
        cache = cache_of(source, clock)
        source.hold()
        gone, staying = asyncio.create_task(cache.get("a")), asyncio.create_task(cache.get("a"))
        await source.started()
        gone.cancel()
        source.release()

        assert await staying == "value"
        assert source.reads == 1

    asyncio.run(test())


def test_a_stale_key_is_served_at_once_while_one_read_refreshes_it() -> None:
    async def test() -> None:
        source, clock = Source(a="old"), Clock()
        cache = cache_of(source, clock)
        assert await cache.get("a") == "old"
        source.values["a"] = "new"  # another process's write
        assert await cache.get("a") == "old"  # fresh for 10 s
        clock.now += 11
        source.hold()

        served = [await at_once(cache.get("a")) for _ in range(3)]  # none waits for the held read
        await source.started()
        source.release()

        await settled()
        assert served == ["old"] * 3
        assert await cache.get("a") == "new"
        assert source.reads == 2  # one refresh for the three

    asyncio.run(test())


def test_a_stale_key_that_must_not_be_used_stale_is_read_again_before_answering() -> None:
    async def test() -> None:
        source, clock = Source(a="old"), Clock()
        cache = cache_of(source, clock, in_background=False)
        assert await cache.get("a") == "old"
        source.values["a"] = "new"
        clock.now += 11

        assert await cache.get("a") == "new"

    asyncio.run(test())


def test_a_failed_read_reaches_its_waiters_or_leaves_the_copy_kept_and_is_tried_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    failures = [ConnectionError("database gone")]
    answers = iter(["first", "second"])

    async def flaky(key: str) -> str:
        if failures:
            raise failures.pop()
        return next(answers)

    async def test() -> None:
        clock = Clock()
        cache = ReadThroughCache(
            flaky, name="flaky", fresh_seconds=10, refresh_in_background=True, clock=clock
        )
        with pytest.raises(ConnectionError):
            await cache.get("a")
        assert await cache.get("a") == "first"
        clock.now += 11
        failures.append(ConnectionError("database gone again"))
        assert await cache.get("a") == "first"  # stale, its refresh fails in the background…
        await settled()
        assert await cache.get("a") == "first"  # …so it is still served, and read again
        await settled()
        assert await cache.get("a") == "second"

    asyncio.run(test())
    assert caplog.text.count("cache_read_failed cache=flaky error=ConnectionError") == 2


def test_only_the_values_it_keeps_are_kept_and_no_more_than_its_limit() -> None:
    async def test() -> None:
        source, clock = Source(a="1", b="2", c="3", w="waiting"), Clock()
        cache = ReadThroughCache(
            source.load,
            name="test",
            fresh_seconds=60,
            refresh_in_background=False,
            keeps=lambda value: value != "waiting",
            limit=2,
            clock=clock,
        )
        for key in ("w", "w", "a", "b", "c", "c", "a"):
            await cache.get(key)

        # Read: "w" each time, "a" again once "c" took the place kept longest.
        assert source.reads == 6

    asyncio.run(test())


def test_forget_where_drops_the_values_picked_and_keeps_no_read_under_way() -> None:
    async def test() -> None:
        source, clock = Source(a="gone-1", b="kept", c="gone-2"), Clock()
        cache = cache_of(source, clock)
        assert [await cache.get(key) for key in ("a", "b")] == ["gone-1", "kept"]
        early = await held_read(cache, source, "c")

        source.values.update(a="back", c="back")
        cache.forget_where(lambda value: value is not None and value.startswith("gone"))
        source.release()

        assert await early == "gone-2"
        assert [await cache.get(key) for key in ("a", "b", "c")] == ["back", "kept", "back"]

    asyncio.run(test())
