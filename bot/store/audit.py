"""The audit trail: one row per attempt to create a campaign, whoever asked and however it ended.

It answers "who created this, from where, and what happened" without ever holding a secret: the draft
is kept only as its hash.
"""

from __future__ import annotations

from sqlalchemy import Engine, insert

from bot.store.database import create_attempts, now, run_in_thread
from bot.store.workspace import SINGLE

_DETAIL_LIMIT = 500


class AuditStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def record(
        self,
        *,
        user_id: str,
        channel_id: str,
        creation_key: str,
        outcome: str,
        fingerprint: str | None = None,
        campaign_id: str | None = None,
        detail: str | None = None,
        workspace: str = SINGLE,
    ) -> None:
        row = {
            "workspace_id": workspace,
            "at": now(),
            "user_id": user_id,
            "channel_id": channel_id,
            "creation_key": creation_key,
            "fingerprint": fingerprint,
            "outcome": outcome,
            "campaign_id": campaign_id,
            "detail": detail[:_DETAIL_LIMIT] if detail else None,
        }
        await run_in_thread(self._insert, row)

    def _insert(self, row: dict[str, object]) -> None:
        with self._engine.begin() as connection:
            connection.execute(insert(create_attempts).values(**row))
