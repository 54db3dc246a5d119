"""What a channel used last time (agent, phone, timezone, retries), to prefill the next form.

Every `/starleads campaign` reads its channel's preferences before `views.open`, so they are read from
memory: each process keeps a workspace's preferences, all its channels at once (a channel with none
is known to have none), loaded by one query. Past `PREFERENCES_KEPT_SECONDS` they are read again in
the background while requests go on using the copy kept (in a burst, waiting for that read would put
the requests behind the whole burst). A write in this process shows at once; a write by another
process sharing the database shows once the copy is read again, some 10 s later.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from bot.store.database import channel_preferences, insert_or_update, notices, now, run_in_thread
from bot.store.workspace import SINGLE

logger = logging.getLogger(__name__)

PREFERENCES_KEPT_SECONDS = 10.0


@dataclass(frozen=True)
class ChannelPreferences:
    agent_id: str | None = None
    phone_number: str | None = None
    timezone: str | None = None
    max_retries: int | None = None


@dataclass(frozen=True)
class _Loaded:
    """A workspace's preferences by channel, as read at `read_at` (monotonic)."""

    by_channel: dict[str, ChannelPreferences]
    read_at: float


class PreferenceStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._loaded: dict[str, _Loaded] = {}
        self._loading: dict[str, asyncio.Task[_Loaded]] = {}
        # Bumped by each write and forget in this process: a load begun before one is not kept.
        self._writes: defaultdict[str, int] = defaultdict(int)

    async def get(self, channel_id: str, *, workspace: str = SINGLE) -> ChannelPreferences:
        """From memory; a workspace first seen costs one read for all of its channels, shared by the
        requests that wait for it."""
        loaded = self._loaded.get(workspace)
        if loaded is None:
            loaded = await asyncio.shield(self._reading(workspace))
        elif time.monotonic() - loaded.read_at > PREFERENCES_KEPT_SECONDS:
            self._reading(workspace)  # in the background: this request uses the copy kept
        return loaded.by_channel.get(channel_id, ChannelPreferences())

    async def remember(
        self, channel_id: str, preferences: ChannelPreferences, *, workspace: str = SINGLE
    ) -> None:
        keys = {"workspace_id": workspace, "channel_id": channel_id}
        values = {**keys, "updated_at": now(), **preferences.__dict__}
        statement = insert_or_update(self._engine, channel_preferences, values, list(keys))
        await run_in_thread(self._execute, statement)
        self._writes[workspace] += 1
        loaded = self._loaded.get(workspace)
        if loaded is not None:
            loaded.by_channel[channel_id] = preferences

    def forget(self, workspace: str) -> None:
        """Drop this process's copy of a workspace's preferences (its rows are gone)."""
        self._writes[workspace] += 1
        self._loaded.pop(workspace, None)

    async def first_notice(
        self, channel_id: str, user_id: str, kind: str, *, workspace: str = SINGLE
    ) -> bool:
        """True the first time this user is told `kind` in this channel, then never again."""
        return await run_in_thread(self._first_notice, workspace, channel_id, user_id, kind)

    def _reading(self, workspace: str) -> asyncio.Task[_Loaded]:
        """The read of the workspace's preferences under way, started if there is none."""
        reading = self._loading.get(workspace)
        if reading is None:
            reading = asyncio.ensure_future(self._read(workspace))
            self._loading[workspace] = reading
            reading.add_done_callback(lambda done: self._read_done(workspace, done))
        return reading

    def _read_done(self, workspace: str, done: asyncio.Task[_Loaded]) -> None:
        self._loading.pop(workspace, None)
        error = None if done.cancelled() else done.exception()
        if error is not None:  # the copy kept (if any) stays; the next request tries again
            logger.warning("preferences_read_failed workspace=%s error=%s", workspace, type(error).__name__)

    async def _read(self, workspace: str) -> _Loaded:
        writes_before = self._writes[workspace]
        read_at = time.monotonic()
        loaded = _Loaded(await run_in_thread(self._read_rows, workspace), read_at)
        if self._writes[workspace] == writes_before:
            self._loaded[workspace] = loaded
        return loaded

    def _read_rows(self, workspace: str) -> dict[str, ChannelPreferences]:
        columns = channel_preferences.c
        query = select(
            columns.channel_id, columns.agent_id, columns.phone_number, columns.timezone, columns.max_retries
        ).where(columns.workspace_id == workspace)
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return {
            row.channel_id: ChannelPreferences(row.agent_id, row.phone_number, row.timezone, row.max_retries)
            for row in rows
        }

    def _first_notice(self, workspace: str, channel_id: str, user_id: str, kind: str) -> bool:
        statement = insert(notices).values(
            workspace_id=workspace, channel_id=channel_id, user_id=user_id, kind=kind, shown_at=now()
        )
        try:
            self._execute(statement)
        except IntegrityError:
            return False
        return True

    def _execute(self, statement: object) -> None:
        with self._engine.begin() as connection:
            connection.execute(statement)  # type: ignore[call-overload]
