"""Rows written straight through the stores, each in a workspace of its own, for tests that need a
workspace's data without driving the bot there."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta

from sqlalchemy import Engine

from bot.store import ConnectionStore, ResultStore, Subscription
from bot.workspaces.keys import KeyVault

LEASE = timedelta(minutes=5)
THREAD = "1700000000.000001"


def two_workspaces() -> tuple[str, str]:
    """Unique per test: the PostgreSQL database is shared by every test that runs on it."""
    tag = uuid.uuid4().hex[:8].upper()
    return f"TA{tag}", f"TB{tag}"


def unique_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10].upper()}"


def add_results(engine: Engine, subscription: Subscription, count: int) -> None:
    """`count` call results of `subscription`, stored as deliveries are."""
    store = ResultStore(engine)
    for n in range(count):
        payload = json.dumps({"Id": f"item-{n}"})
        stored = store.add(
            subscription,
            item_id=f"item-{n}",
            attempt_count=1,
            campaign_id=None,
            tag_name="Booked",
            payload=payload,
        )
        assert asyncio.run(stored).new


def save_key(engine: Engine, workspace: str, api_key: str, encryption_key: str) -> None:
    """`workspace` connected to Starleads with `api_key`, kept encrypted with `encryption_key`."""
    token = KeyVault([encryption_key]).encrypt(api_key)
    asyncio.run(ConnectionStore(engine).save(workspace, token, connected_by="U0ADMIN"))
