"""Each workspace's default language (distribution mode): the language of its people whose Slack
locale is neither English nor French, set by `/starleads language`. Without one, `DEFAULT_LANGUAGE`.

Read on requests from such people only, and kept in memory: a request (a block action's, before its
ack) never waits on the database for a workspace this process has read before. Past `CACHE_SECONDS`
it is read again in the background, so several processes sharing one database agree within seconds
of their next requests after a change (this process at once).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.caching import ReadThroughCache
from bot.i18n import Language, default_language, stored_language
from bot.store import LanguageStore

CACHE_SECONDS = 10.0


class WorkspaceLanguages:
    def __init__(self, store: LanguageStore | None, *, clock: Callable[[], float] = time.monotonic) -> None:
        """`store`: None for a single-workspace bot, whose language is its operator's DEFAULT_LANGUAGE."""
        self._store = store
        self._stored: ReadThroughCache[str, str | None] | None = None
        if store is not None:
            self._stored = ReadThroughCache(
                store.get,
                name="workspace_languages",
                fresh_seconds=CACHE_SECONDS,
                refresh_in_background=True,
                clock=clock,
            )

    @property
    def per_workspace(self) -> bool:
        return self._store is not None

    async def default_for(self, workspace: str) -> Language:
        """The language of `workspace`'s people whose Slack locale the bot doesn't speak."""
        if self._stored is None:
            return default_language()
        return stored_language(await self._stored.get(workspace))

    def forget(self, workspace: str) -> None:
        """The workspace is gone (uninstalled): a reinstall starts from the default."""
        if self._stored is not None:
            self._stored.forget(workspace)

    async def choose(self, workspace: str, language: Language, *, chosen_by: str) -> None:
        if self._store is None or self._stored is None:
            raise RuntimeError("a single-workspace bot's language is DEFAULT_LANGUAGE")
        await self._store.save(workspace, language, set_by=chosen_by)
        self._stored.put(workspace, language)
