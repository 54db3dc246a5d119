"""Group commit: the rows of concurrent webhook deliveries, inserted and committed together.

Each delivery used to cost a thread hop, a statement and a commit of its own, all paid on the one
event loop that answers every request (and, on SQLite, one WAL write each). Here a single writer
takes whatever rows are waiting, inserts them in one transaction with one hop, and answers each row's
caller once that transaction has committed. There is no timer: rows that arrive while a commit is
under way make up the next batch, so a lone delivery is not delayed and a busy moment shares commits.

Each row still stands on its own unique key (`INSERT … ON CONFLICT DO NOTHING … RETURNING` the ids and
keys inserted), so every caller learns whether its row was stored or was a duplicate, and the id of the
row that holds it (a duplicate's is looked up: the log names the result it repeats). A failed commit
fails every caller in its batch (nothing of it was committed), except that a refusal that may be one
row's own (a data or integrity error) is retried row by row, so one bad payload cannot sink the
deliveries that happened to share its batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Table, select, tuple_
from sqlalchemy.exc import DataError, IntegrityError

from bot.store.database import dialect_insert, run_in_thread

Row = dict[str, Any]
_MAX_BATCH = 500  # rows per transaction: bounds one statement's size and one commit's wait


@dataclass(frozen=True)
class Kept:
    """A row's fate once its batch committed: whether this insert stored it (`new`), and the id of the
    row with its key (None only for a duplicate whose first row was deleted meanwhile)."""

    id: int | None
    new: bool


class GroupCommit:
    """Inserts rows into `table` (whose primary key is its `id`), skipping (and reporting) those whose
    `key` columns already exist."""

    def __init__(self, engine: Engine, table: Table, key: Sequence[str]) -> None:
        self._engine = engine
        self._key = tuple(key)
        key_columns = [table.c[name] for name in self._key]
        self._statement = (
            dialect_insert(engine, table)
            .on_conflict_do_nothing(index_elements=list(self._key))
            .returning(table.c.id, *key_columns)
        )
        self._existing = select(table.c.id, *key_columns)
        self._key_columns = tuple_(*key_columns)
        self._waiting: list[tuple[Row, asyncio.Future[Kept]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def insert(self, row: Row) -> Kept:
        """Once `row` is committed, or found to be a duplicate of a row with its key that was there first."""
        future: asyncio.Future[Kept] = asyncio.get_running_loop().create_future()
        self._waiting.append((row, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="result_intake")
        return await future

    async def _write(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:_MAX_BATCH], self._waiting[_MAX_BATCH:]
            outcomes: list[Kept | Exception]
            try:
                outcomes = await run_in_thread(self._commit, [row for row, _ in batch])
            except asyncio.CancelledError:  # shutdown: nobody may wait forever for a commit
                for _, future in [*batch, *self._waiting]:
                    future.cancel()
                self._waiting = []
                raise
            except Exception as error:  # nothing of the batch was committed
                outcomes = [error] * len(batch)
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():  # its caller went away
                    continue
                if isinstance(outcome, Exception):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)

    def _commit(self, rows: list[Row]) -> list[Kept | Exception]:
        try:
            with self._engine.begin() as connection:
                return list(self._insert(connection, rows))
        except (DataError, IntegrityError):
            if len(rows) == 1:
                raise
        return [self._commit_alone(row) for row in rows]

    def _commit_alone(self, row: Row) -> Kept | Exception:
        """Any error is this row's alone: rows retried before it may be committed already."""
        try:
            with self._engine.begin() as connection:
                return self._insert(connection, [row])[0]
        except Exception as error:
            return error

    def _insert(self, connection: Connection, rows: list[Row]) -> list[Kept]:
        """Each row's fate; a key seen earlier in `rows` is a duplicate of that row."""
        keys = [tuple(row[name] for name in self._key) for row in rows]
        first: dict[tuple[Any, ...], Row] = {}
        for key, row in zip(keys, rows, strict=True):
            first.setdefault(key, row)
        # executemany needs the same columns in every row: one statement per set of columns.
        shapes: dict[tuple[str, ...], list[Row]] = {}
        for row in first.values():
            shapes.setdefault(tuple(row), []).append(row)
        ids: dict[tuple[Any, ...], int] = {}
        for same_columns in shapes.values():
            ids.update((tuple(key), id_) for id_, *key in connection.execute(self._statement, same_columns))
        inserted = set(ids)
        if earlier := [key for key in first if key not in inserted]:
            found = connection.execute(self._existing.where(self._key_columns.in_(earlier)))
            ids.update((tuple(key), id_) for id_, *key in found)
        return [
            Kept(ids.get(key), key in inserted and first[key] is row)
            for key, row in zip(keys, rows, strict=True)
        ]
