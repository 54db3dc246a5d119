"""Which Starleads client serves a workspace: each workspace's campaigns go to its own account.

A single-workspace bot has one client (`FixedStarleads`). A distributed bot keeps each workspace's
key encrypted in the database (`StarleadsAccounts`): connecting checks the key with Starleads first,
and the decrypted key is kept in memory only briefly, so that several processes sharing one
database agree within seconds on who is connected with which key.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.caching import ReadThroughCache
from bot.i18n import N_, _
from bot.starleads import StarleadsAuthError, StarleadsClient, StarleadsRejected, StarleadsUnavailable
from bot.store import ConnectionStore
from bot.workspaces.keys import KeyUnreadable, KeyVault, mask

logger = logging.getLogger(__name__)

MAX_KEY_LENGTH = 200
CACHE_SECONDS = 10.0
"""How long a process trusts what it read about a workspace's connection: another process's connect
or disconnect shows here within that time (this process's own, at once)."""
_WHERE_KEYS_ARE = N_("Starleads (your profile → API key)")
CHECK_SECONDS = 2.5
"""How long connecting waits for Starleads to accept the key: the answer goes into Slack's 3 s ack."""


@dataclass(frozen=True)
class KeyHelp:
    """What to tell a user when Starleads refuses the key a create used: who can fix it depends on
    whose key it is (the operator's setting, or the workspace's own connection). Message ids."""

    refused: str
    forbidden: str


OPERATOR_KEY = KeyHelp(
    refused=N_(
        "Starleads refused this bot's API key. Ask whoever set up the bot to check STARLEADS_API_KEY "
        "(Starleads → your profile → API key). Your form is kept: submit again once it is fixed."
    ),
    forbidden=N_(
        "Starleads refused this bot's API key access to campaigns (403). Ask whoever set up the bot to check "
        "the key's rights in Starleads. Your form is kept: submit again once it is fixed."
    ),
)
WORKSPACE_KEY = KeyHelp(
    refused=N_(
        "Starleads refused this workspace's API key: it may have been revoked. A workspace admin can "
        "connect a valid one with `/starleads connect` (Starleads → your profile → API key). Your form is "
        "kept: submit again once it is done."
    ),
    forbidden=N_(
        "Starleads refused this workspace's API key access to campaigns (403). A workspace admin can check "
        "the key's rights in Starleads, or connect another with `/starleads connect`. Your form is kept: "
        "submit again once it is done."
    ),
)


@dataclass(frozen=True)
class NotConnected:
    """The workspace has no Starleads key (never connected, disconnected, or its key is unreadable)."""

    workspace: str


@runtime_checkable
class StarleadsDirectory(Protocol):
    key_help: KeyHelp

    async def client_for(self, workspace: str) -> StarleadsClient | NotConnected:
        """The client holding `workspace`'s Starleads key, or NotConnected."""


class FixedStarleads:
    """A single-workspace bot: the one client configured by `STARLEADS_API_KEY` serves every call."""

    key_help = OPERATOR_KEY

    def __init__(self, client: StarleadsClient) -> None:
        self._client = client

    async def client_for(self, workspace: str) -> StarleadsClient:
        return self._client


@dataclass(frozen=True)
class Connection:
    """A workspace's Starleads account as it may be shown: the key only masked."""

    masked_key: str
    connected_by: str
    connected_at: datetime


@dataclass(frozen=True)
class Connected:
    connection: Connection


@dataclass(frozen=True)
class KeyRefused:
    """Starleads (or a look at the key) says it is not a key: the person can fix what they typed."""

    message: str


@dataclass(frozen=True)
class StarleadsUnreachable:
    """The key could not be checked: nothing was stored; trying again later may work."""

    message: str


ConnectOutcome = Connected | KeyRefused | StarleadsUnreachable


@dataclass(frozen=True)
class _Known:
    """What this process knows of a workspace's connection (nothing: not connected)."""

    client: StarleadsClient | None = None
    connection: Connection | None = None


class StarleadsAccounts:
    """Each workspace's own Starleads account: the directory the campaign code asks for clients, and
    connecting, disconnecting and rotating the keys behind it."""

    key_help = WORKSPACE_KEY

    def __init__(
        self,
        store: ConnectionStore,
        vault: KeyVault,
        client_with: Callable[[str], StarleadsClient],
        *,
        cache_seconds: float = CACHE_SECONDS,
        check_seconds: float = CHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`client_with(api_key)`: a client sending that key over the shared pool."""
        self._store = store
        self._vault = vault
        self._client_with = client_with
        self._check_seconds = check_seconds
        # Read again before use once stale: a key disconnected elsewhere must not create campaigns.
        self._known: ReadThroughCache[str, _Known] = ReadThroughCache(
            self._read,
            name="starleads_connections",
            fresh_seconds=cache_seconds,
            refresh_in_background=False,
            clock=clock,
        )

    async def client_for(self, workspace: str) -> StarleadsClient | NotConnected:
        known = await self._known.get(workspace)
        return known.client or NotConnected(workspace)

    async def connection(self, workspace: str) -> Connection | None:
        """`workspace`'s connection as it may be shown, or None (read from memory when fresh)."""
        return (await self._known.get(workspace)).connection

    async def installer(self, workspace: str) -> str | None:
        """Who installed the app in `workspace` (they may connect it, whatever their role)."""
        return await self._store.installer(workspace)

    async def connect(self, workspace: str, api_key: str, *, user_id: str) -> ConnectOutcome:
        """Check `api_key` with Starleads ("Get all campaigns"), then keep it, encrypted, as
        `workspace`'s key in place of any other."""
        api_key = api_key.strip()
        problem = _shape_problem(api_key)
        if problem:
            return KeyRefused(problem)
        client = self._client_with(api_key)
        try:
            await asyncio.wait_for(client.list_campaigns(), self._check_seconds)
        except (StarleadsAuthError, StarleadsRejected) as refused:
            logger.info("starleads_connect workspace=%s outcome=refused status=%s", workspace, refused.status)
            return KeyRefused(
                _("Starleads doesn't accept this key: copy it again from {where}.").format(
                    where=_(_WHERE_KEYS_ARE)
                )
            )
        except (StarleadsUnavailable, TimeoutError) as error:
            reason = str(error) or type(error).__name__
            logger.warning("starleads_connect workspace=%s outcome=unreachable error=%s", workspace, reason)
            return StarleadsUnreachable(
                _(
                    "I couldn't reach Starleads to check this key, so it isn't saved. Please submit again in "
                    "a minute."
                )
            )
        saved = await self._store.save(workspace, self._vault.encrypt(api_key), connected_by=user_id)
        connection = Connection(mask(api_key), user_id, saved.connected_at)
        self._known.put(workspace, _Known(client, connection))
        logger.info("starleads_connect workspace=%s outcome=connected user=%s", workspace, user_id)
        return Connected(connection)

    async def disconnect(self, workspace: str) -> bool:
        """Forget `workspace`'s key; whether it had one."""
        forgotten = await self._store.delete(workspace)
        self._known.put(workspace, _Known())
        logger.info("starleads_disconnect workspace=%s had_key=%s", workspace, forgotten)
        return forgotten

    def forget(self, workspace: str) -> None:
        """The workspace is gone (uninstalled): drop what this process knew of its key, so a
        reinstall starts not connected."""
        self._known.forget(workspace)

    async def _read(self, workspace: str) -> _Known:
        stored = await self._store.get(workspace)
        if stored is None:
            return _Known()
        try:
            api_key = self._vault.decrypt(stored.encrypted_key, workspace=workspace)
        except KeyUnreadable as unreadable:
            logger.error("starleads_key_unreadable %s", unreadable)
            return _Known()
        return _Known(
            self._client_with(api_key), Connection(mask(api_key), stored.connected_by, stored.connected_at)
        )


@dataclass(frozen=True)
class Rotation:
    rotated: int
    unreadable: list[KeyUnreadable]


async def rotate_keys(store: ConnectionStore, vault: KeyVault) -> Rotation:
    """Re-encrypt every stored key under the newest encryption key; one no key opens is reported and
    left as it is, the others still rotated."""
    replacements: dict[str, tuple[str, str]] = {}
    unreadable = []
    for stored in await store.all():
        try:
            rotated = vault.rotate(stored.encrypted_key, workspace=stored.workspace)
        except KeyUnreadable as error:
            unreadable.append(error)
            continue
        replacements[stored.workspace] = (stored.encrypted_key, rotated)
    return Rotation(await store.replace_keys(replacements), unreadable)


def _shape_problem(api_key: str) -> str | None:
    """What is wrong with a typed key before Starleads is asked, or None."""
    if not api_key:
        return _("Paste your Starleads API key ({where}).").format(where=_(_WHERE_KEYS_ARE))
    if len(api_key) > MAX_KEY_LENGTH or not api_key.isprintable() or any(c.isspace() for c in api_key):
        return _("This doesn't look like a Starleads API key: copy it again from {where}.").format(
            where=_(_WHERE_KEYS_ARE)
        )
    return None
