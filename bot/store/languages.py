"""Each workspace's default language (distribution mode): what `/starleads language` set, and who."""

from __future__ import annotations

from sqlalchemy import Engine, Executable, select

from bot.store.database import insert_or_update, now, run_in_thread, workspace_languages


class LanguageStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def save(self, workspace: str, language: str, *, set_by: str) -> None:
        values = {"workspace_id": workspace, "language": language, "set_by": set_by, "set_at": now()}
        statement = insert_or_update(self._engine, workspace_languages, values, ["workspace_id"])
        await run_in_thread(self._write, statement)

    async def get(self, workspace: str) -> str | None:
        """One primary-key read: the workspace's language, or None when nobody set one."""
        return await run_in_thread(self._read, workspace)

    def _read(self, workspace: str) -> str | None:
        query = select(workspace_languages.c.language).where(workspace_languages.c.workspace_id == workspace)
        with self._engine.connect() as connection:
            return connection.execute(query).scalar()

    def _write(self, statement: Executable) -> None:
        with self._engine.begin() as connection:
            connection.execute(statement)
