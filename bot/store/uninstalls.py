"""What is forgotten when a workspace uninstalls the app, in one transaction.

Everything that belongs to the workspace goes: its Starleads key and default language, channel
preferences and notices, creations with what was typed in them (and pending late lookups),
subscriptions, call results and forward notes. The audit trail of create attempts stays: it records
who asked for what, which an uninstall does not undo. The webhook addresses handed out are retired
rather than forgotten, so that Starleads, which keeps calling them, hears 410 Gone and can stop.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, Table, delete, exists, insert, literal, select

from bot.store.database import (
    call_results,
    channel_preferences,
    creations,
    forward_notes,
    notices,
    now,
    retired_webhooks,
    run_in_thread,
    starleads_connections,
    webhook_subscriptions,
    workspace_languages,
)

# Children before parents; create_attempts (the audit trail) is deliberately absent.
_FORGOTTEN = (
    call_results,
    forward_notes,
    webhook_subscriptions,
    creations,
    channel_preferences,
    notices,
    starleads_connections,
    workspace_languages,
)


@dataclass(frozen=True)
class Forgotten:
    """How much of a workspace went, for the log line that records the uninstall."""

    webhooks_retired: int
    rows_deleted: int


class UninstallStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def forget(self, workspace: str) -> Forgotten:
        return await run_in_thread(self._forget, workspace)

    def _forget(self, workspace: str) -> Forgotten:
        with self._engine.begin() as connection:
            retired = self._retire_webhooks(connection, workspace)
            deleted = sum(_delete_of(connection, table, workspace) for table in _FORGOTTEN)
        return Forgotten(webhooks_retired=retired, rows_deleted=deleted)

    @staticmethod
    def _retire_webhooks(connection: Connection, workspace: str) -> int:
        subscription = webhook_subscriptions.c
        already = exists().where(retired_webhooks.c.token_hash == subscription.token_hash)
        addresses = select(subscription.token_hash, subscription.workspace_id, literal(now())).where(
            subscription.workspace_id == workspace, ~already
        )
        statement = insert(retired_webhooks).from_select(
            ["token_hash", "workspace_id", "retired_at"], addresses
        )
        return connection.execute(statement).rowcount


def _delete_of(connection: Connection, table: Table, workspace: str) -> int:
    return connection.execute(delete(table).where(table.c.workspace_id == workspace)).rowcount
