"""What a channel used last time (agent, phone, timezone, retries), to prefill the next form.

Every `/starleads campaign` reads its channel's preferences before `views.open`, so they are read from
memory: each process keeps a workspace's preferences, all its channels at once (a channel with none
is known to have none), loaded by one query. Past `PREFERENCES_KEPT_SECONDS` they are read again in
the background while requests go on using the copy kept (in a burst, waiting for that read would put
the requests behind the whole burst). A write in this process shows at once; a write by another
process sharing the database shows once the copy is read again, some 10 s later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from bot.caching import ReadThroughCache
from bot.store.database import channel_preferences, insert_or_update, notices, now, run_in_thread
from bot.store.workspace import SINGLE

PREFERENCES_KEPT_SECONDS = 10.0


@dataclass(frozen=True)
class ChannelPreferences:
    agent_id: str | None = None
    phone_number: str | None = None
    timezone: str | None = None
    max_retries: int | None = None


class PreferenceStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._by_workspace: ReadThroughCache[str, Mapping[str, ChannelPreferences]] = ReadThroughCache(
            lambda workspace: run_in_thread(self._read_rows, workspace),
            name="preferences",
            fresh_seconds=PREFERENCES_KEPT_SECONDS,
            refresh_in_background=True,
        )

    async def get(self, channel_id: str, *, workspace: str = SINGLE) -> ChannelPreferences:
        """From memory; a workspace first seen costs one read for all of its channels, shared by the
        requests that wait for it."""
        by_channel = await self._by_workspace.get(workspace)
        return by_channel.get(channel_id, ChannelPreferences())

    async def remember(
        self, channel_id: str, preferences: ChannelPreferences, *, workspace: str = SINGLE
    ) -> None:
        keys = {"workspace_id": workspace, "channel_id": channel_id}
        values = {**keys, "updated_at": now(), **preferences.__dict__}
        statement = insert_or_update(self._engine, channel_preferences, values, list(keys))
        await run_in_thread(self._execute, statement)
        self._by_workspace.update(workspace, lambda by_channel: {**by_channel, channel_id: preferences})

    def forget(self, workspace: str) -> None:
        """Drop this process's copy of a workspace's preferences (its rows are gone)."""
        self._by_workspace.forget(workspace)

    async def first_notice(
        self, channel_id: str, user_id: str, kind: str, *, workspace: str = SINGLE
    ) -> bool:
        """True the first time this user is told `kind` in this channel, then never again."""
        return await run_in_thread(self._first_notice, workspace, channel_id, user_id, kind)

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
