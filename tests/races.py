"""Races between a read and a write, played in a known order.

`held_read`: the next SELECT from a table runs on the real database, then waits with what it found
until the test lets it go, as a slow read would; hooked on SQLAlchemy's cursor events, so the store's
code runs unchanged. `settled`: once the reads a cache left running in the background are over.
`Clock`: moved by hand, so what a cache keeps goes stale when the test says.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, event

HOLD_SECONDS = 10  # at most, should a test fail before it lets the read go


class HeldRead:
    def __init__(self, table: str) -> None:
        self._table = table
        self._watching = True
        self._caught = False
        self._found = threading.Event()
        self._released = threading.Event()
        self.selects = 0  # from the table while watched, the held one included

    async def found(self) -> None:
        """Once the read has run: from here on a write comes after it."""
        assert await asyncio.to_thread(self._found.wait, HOLD_SECONDS), f"no read of {self._table} came"

    def release(self) -> None:
        self._released.set()

    def stop(self) -> None:
        self._watching = False
        self.release()

    def after_execute(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not self._watching or not statement.lstrip().upper().startswith("SELECT"):
            return
        if f"FROM {self._table}" not in statement:
            return
        self.selects += 1
        if not self._caught:
            self._caught = True
            self._found.set()
            self._released.wait(HOLD_SECONDS)


@contextlib.contextmanager
def held_read(engine: Engine, table: str) -> Iterator[HeldRead]:
    """Hold the next SELECT from `table` on `engine` until `release()`, or the end of the block.

    The hook stays on the engine afterwards, doing nothing (removing it could pull it from under a read
    running in another thread): use an engine that lives for one test."""
    held = HeldRead(table)
    event.listen(engine, "after_cursor_execute", held.after_execute)
    try:
        yield held
    finally:
        held.stop()


async def settled() -> None:
    """Once the tasks left running in the background (a cache's reads) are over."""
    await asyncio.gather(*asyncio.all_tasks() - {asyncio.current_task()}, return_exceptions=True)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now
