"""What a channel used last time (agent, phone, timezone, retries), to prefill the next form."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from bot.store.database import channel_preferences, insert_or_update, notices, now, run_in_thread
from bot.store.workspace import SINGLE


@dataclass(frozen=True)
class ChannelPreferences:
    agent_id: str | None = None
    phone_number: str | None = None
    timezone: str | None = None
    max_retries: int | None = None


class PreferenceStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def get(self, channel_id: str, *, workspace: str = SINGLE) -> ChannelPreferences:
        """One primary-key read: cheap enough to run before `views.open`."""
        return await run_in_thread(self._get, workspace, channel_id)

    async def remember(
        self, channel_id: str, preferences: ChannelPreferences, *, workspace: str = SINGLE
    ) -> None:
        keys = {"workspace_id": workspace, "channel_id": channel_id}
        values = {**keys, "updated_at": now(), **preferences.__dict__}
        statement = insert_or_update(self._engine, channel_preferences, values, list(keys))
        await run_in_thread(self._execute, statement)

    async def first_notice(
        self, channel_id: str, user_id: str, kind: str, *, workspace: str = SINGLE
    ) -> bool:
        """True the first time this user is told `kind` in this channel, then never again."""
        return await run_in_thread(self._first_notice, workspace, channel_id, user_id, kind)

    def _get(self, workspace: str, channel_id: str) -> ChannelPreferences:
        query = select(
            channel_preferences.c.agent_id,
            channel_preferences.c.phone_number,
            channel_preferences.c.timezone,
            channel_preferences.c.max_retries,
        ).where(
            channel_preferences.c.workspace_id == workspace,
            channel_preferences.c.channel_id == channel_id,
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return ChannelPreferences(**row) if row else ChannelPreferences()

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
