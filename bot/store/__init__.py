"""Persistence: campaign creations (idempotency), channel preferences, one-time notices."""

from bot.store.audit import AuditStore
from bot.store.creations import Claim, CreationRecord, CreationState, CreationStore
from bot.store.database import connect, new_revision, schema_revision
from bot.store.preferences import ChannelPreferences, PreferenceStore

__all__ = [
    "AuditStore",
    "ChannelPreferences",
    "Claim",
    "CreationRecord",
    "CreationState",
    "CreationStore",
    "PreferenceStore",
    "connect",
    "new_revision",
    "schema_revision",
]
