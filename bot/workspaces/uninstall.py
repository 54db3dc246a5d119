"""A workspace that uninstalls the app (or revokes its bot token) leaves nothing of its own behind.

The rows go in one transaction (store/uninstalls.py); then each in-memory copy of the workspace's
things in this process (its subscriptions, its Starleads key, its installation) is dropped, so the
next request or delivery sees the workspace as new: reinstalling starts clean.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from bot.store import UninstallStore

logger = logging.getLogger(__name__)


class WorkspaceRemoval:
    def __init__(self, store: UninstallStore, forget_in_memory: Sequence[Callable[[str], None]]) -> None:
        """`forget_in_memory`: what drops each cache's entries for a workspace."""
        self._store = store
        self._forget_in_memory = forget_in_memory

    async def forget(self, workspace: str, *, cause: str = "uninstalled") -> None:
        """`cause`: what Slack said happened, for the log line."""
        forgotten = await self._store.forget(workspace)
        for forget in self._forget_in_memory:
            forget(workspace)
        logger.info(
            "workspace_forgotten workspace=%s cause=%s webhooks_retired=%d rows_deleted=%d",
            workspace,
            cause,
            forgotten.webhooks_retired,
            forgotten.rows_deleted,
        )
