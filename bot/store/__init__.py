"""Persistence: campaign creations (idempotency), channel preferences, one-time notices, webhook
subscriptions and their call results, forwards and the threads' notes about them, each workspace's
Starleads connection, each row in its workspace (workspace.py).

This module is the package's whole public face: other packages import from `bot.store` only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.store.audit import AuditStore
from bot.store.call_results import ClaimedResult, ResultState, ResultStore, Subscription, SubscriptionStore
from bot.store.connections import ConnectionStore, StoredConnection
from bot.store.counts import StoredCounts, stored_counts
from bot.store.creations import Claim, CreationRecord, CreationState, CreationStore
from bot.store.database import (
    SchemaTooNew,
    connect,
    database_answers,
    new_revision,
    open_engine,
    schema_revision,
)
from bot.store.forward_notes import DueNote, ForwardNoteStore
from bot.store.forwards import DueForward, ForwardStore
from bot.store.intake import Kept
from bot.store.languages import LanguageStore
from bot.store.migrations import LATEST_REVISION
from bot.store.preferences import ChannelPreferences, PreferenceStore
from bot.store.uninstalls import Forgotten, UninstallStore
from bot.store.workspace import SINGLE

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from bot.store.installations import InstallationStore, OAuthStateStore


def slack_installation_stores(
    engine: Engine, client_id: str, *, state_expiration_seconds: int
) -> tuple[InstallationStore, OAuthStateStore]:
    """Slack's installations and OAuth states in the bot's database (distribution mode). Imported here,
    on first use: a single-workspace bot never pays for slack_sdk's SQLAlchemy stores."""
    from bot.store.installations import InstallationStore, OAuthStateStore

    return InstallationStore(engine, client_id), OAuthStateStore(engine, state_expiration_seconds)


def installed_workspaces(engine: Engine, client_id: str) -> int:
    """How many workspaces have the app installed (distribution mode; `starleads-bot check` counts)."""
    from bot.store.installations import installed_workspaces

    return installed_workspaces(engine, client_id)


__all__ = [
    "LATEST_REVISION",
    "SINGLE",
    "AuditStore",
    "ChannelPreferences",
    "Claim",
    "ClaimedResult",
    "ConnectionStore",
    "CreationRecord",
    "CreationState",
    "CreationStore",
    "DueForward",
    "DueNote",
    "Forgotten",
    "ForwardNoteStore",
    "ForwardStore",
    "Kept",
    "LanguageStore",
    "PreferenceStore",
    "ResultState",
    "ResultStore",
    "SchemaTooNew",
    "StoredConnection",
    "StoredCounts",
    "Subscription",
    "SubscriptionStore",
    "UninstallStore",
    "connect",
    "database_answers",
    "installed_workspaces",
    "new_revision",
    "open_engine",
    "schema_revision",
    "slack_installation_stores",
    "stored_counts",
]
