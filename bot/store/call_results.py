"""Webhook subscriptions (which channel a webhook URL feeds) and the call results received through them.

A webhook URL carries an unguessable token, since Starleads documents no signature: whoever knows the
URL may post results. Only the token's SHA-256 is stored, so a copy of the database gives no working
URL. Each result is one INSERT under a unique (token, item, attempt) key: a redelivery collides with
the first copy and is reported as a duplicate, atomically, whichever process receives it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from bot.call_results import CallResult
from bot.store.database import call_results, now, run_in_thread, webhook_subscriptions

_TOKEN_BYTES = 32  # 256 bits, 43 URL-safe characters
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,128}")
UNKNOWN_ATTEMPT = 0  # stored when a result has no readable attempt count, so its redeliveries still dedupe


class ResultState(StrEnum):
    PENDING = "pending"  # stored, not yet posted to Slack


@dataclass(frozen=True)
class Subscription:
    token_hash: str
    channel_id: str
    campaign_id: str | None
    forward_url: str | None
    created_by: str
    created_at: datetime


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    """Tokens this bot hands out; anything else is unknown without a database read."""
    return _TOKEN_SHAPE.fullmatch(token) is not None


class SubscriptionStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def create(
        self,
        channel_id: str,
        created_by: str,
        campaign_id: str | None = None,
        forward_url: str | None = None,
    ) -> str:
        """A new subscription; returns its token, which exists nowhere else afterwards."""
        token = secrets.token_urlsafe(_TOKEN_BYTES)
        row = {
            "token_hash": hash_token(token),
            "channel_id": channel_id,
            "campaign_id": campaign_id,
            "forward_url": forward_url,
            "created_by": created_by,
            "created_at": now(),
        }
        await run_in_thread(self._insert, row)
        return token

    async def find(self, token: str) -> Subscription | None:
        if not looks_like_token(token):
            return None
        return await run_in_thread(self._find, hash_token(token))

    def _insert(self, row: dict[str, object]) -> None:
        with self._engine.begin() as connection:
            connection.execute(insert(webhook_subscriptions).values(**row))

    def _find(self, token_hash: str) -> Subscription | None:
        query = select(webhook_subscriptions).where(webhook_subscriptions.c.token_hash == token_hash)
        with self._engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return Subscription(**row) if row else None


class ResultStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def add(self, subscription: Subscription, result: CallResult, raw: str) -> bool:
        """Store a result for posting; True once committed, False if this delivery was already stored."""
        if result.item_id is None:
            raise ValueError("a test payload has no item to store")
        row = {
            "token_hash": subscription.token_hash,
            "item_id": result.item_id,
            "attempt_count": UNKNOWN_ATTEMPT if result.attempt_count is None else result.attempt_count,
            "campaign_id": result.campaign_id or subscription.campaign_id,
            "received_at": now(),
            "payload": raw,
            "state": ResultState.PENDING.value,
        }
        return await run_in_thread(self._insert, row)

    def _insert(self, row: dict[str, object]) -> bool:
        try:
            with self._engine.begin() as connection:
                connection.execute(insert(call_results).values(**row))
        except IntegrityError:
            return False
        return True
