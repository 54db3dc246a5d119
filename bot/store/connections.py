"""Each workspace's Starleads connection (distribution mode): its key as a Fernet token, who connected
it and when. The key itself never reaches this module; encrypting it is the caller's business.

Also who installed the app in a workspace, read from slack_sdk's installations table without
importing slack_sdk's stores (installations.py), which a single-workspace bot never loads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Engine,
    Executable,
    Select,
    String,
    column,
    delete,
    select,
    table,
    update,
)

from bot.store.database import insert_or_update, installed_in, now, run_in_thread, starleads_connections

# The few columns of slack_sdk's `slack_installations` read here (revision 0005 creates the table).
_installations = table(
    "slack_installations",
    column("enterprise_id", String),
    column("team_id", String),
    column("is_enterprise_install", Boolean),
    column("user_id", String),
    column("installed_at", DateTime),
)


@dataclass(frozen=True)
class StoredConnection:
    workspace: str
    encrypted_key: str
    connected_by: str
    connected_at: datetime


class ConnectionStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def save(self, workspace: str, encrypted_key: str, *, connected_by: str) -> StoredConnection:
        """Store `workspace`'s key (a Fernet token), replacing the one it had."""
        saved = StoredConnection(workspace, encrypted_key, connected_by, now())
        values = {
            "workspace_id": workspace,
            "encrypted_key": encrypted_key,
            "connected_by": connected_by,
            "connected_at": saved.connected_at,
        }
        statement = insert_or_update(self._engine, starleads_connections, values, ["workspace_id"])
        await run_in_thread(self._write, statement)
        return saved

    async def get(self, workspace: str) -> StoredConnection | None:
        """One primary-key read."""
        rows = await run_in_thread(self._read, workspace)
        return rows[0] if rows else None

    async def delete(self, workspace: str) -> bool:
        """Forget `workspace`'s key; whether it had one."""
        statement = delete(starleads_connections).where(starleads_connections.c.workspace_id == workspace)
        return await run_in_thread(self._write, statement) > 0

    async def all(self) -> list[StoredConnection]:
        """Every workspace's connection (for rotating the encryption key)."""
        return await run_in_thread(self._read)

    async def replace_keys(self, replacements: dict[str, tuple[str, str]]) -> int:
        """Swap stored tokens, `{workspace: (old token, new token)}`, in one transaction; a row whose
        token changed meanwhile (reconnected with another key) is left as it is. How many changed."""
        return await run_in_thread(self._replace_keys, replacements)

    async def installer(self, workspace: str) -> str | None:
        """Who installed the app in `workspace` most recently (the user of its newest installation)."""
        query = (
            select(_installations.c.user_id)
            .where(installed_in(_installations, workspace))
            .order_by(_installations.c.installed_at.desc())
            .limit(1)
        )
        return await run_in_thread(self._scalar, query)

    def _read(self, workspace: str | None = None) -> list[StoredConnection]:
        query = select(starleads_connections).order_by(starleads_connections.c.workspace_id)
        if workspace is not None:
            query = query.where(starleads_connections.c.workspace_id == workspace)
        with self._engine.connect() as connection:
            return [
                StoredConnection(
                    workspace=row.workspace_id,
                    encrypted_key=row.encrypted_key,
                    connected_by=row.connected_by,
                    connected_at=row.connected_at,
                )
                for row in connection.execute(query)
            ]

    def _replace_keys(self, replacements: dict[str, tuple[str, str]]) -> int:
        changed = 0
        with self._engine.begin() as connection:
            for workspace, (old, new) in replacements.items():
                statement = (
                    update(starleads_connections)
                    .where(
                        starleads_connections.c.workspace_id == workspace,
                        starleads_connections.c.encrypted_key == old,
                    )
                    .values(encrypted_key=new)
                )
                changed += connection.execute(statement).rowcount
        return changed

    def _scalar(self, query: Select[tuple[str]]) -> str | None:
        with self._engine.connect() as connection:
            return connection.execute(query).scalar()

    def _write(self, statement: Executable) -> int:
        with self._engine.begin() as connection:
            return int(connection.execute(statement).rowcount)  # type: ignore[attr-defined]
