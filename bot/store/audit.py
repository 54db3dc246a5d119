"""The audit trail: one row per attempt to create a campaign, whoever asked and however it ended.

It answers "who created this, from where, and what happened" without ever holding a secret: the draft
is kept only as its hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, insert, select

from bot.store.database import create_attempts, now, run_in_thread

_DETAIL_LIMIT = 500


@dataclass(frozen=True)
class Attempt:
    at: datetime
    user_id: str
    channel_id: str
    creation_key: str
    fingerprint: str | None
    outcome: str
    campaign_id: str | None
    detail: str | None


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
    ) -> None:
        row = {
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

    async def for_key(self, creation_key: str) -> list[Attempt]:
        return await run_in_thread(self._for_key, creation_key)

    def _insert(self, row: dict[str, object]) -> None:
        with self._engine.begin() as connection:
            connection.execute(insert(create_attempts).values(**row))

    def _for_key(self, creation_key: str) -> list[Attempt]:
        query = select(create_attempts).where(create_attempts.c.creation_key == creation_key)
        with self._engine.connect() as connection:
            rows = connection.execute(query.order_by(create_attempts.c.id)).mappings().all()
        return [Attempt(**{k: v for k, v in row.items() if k != "id"}) for row in rows]
