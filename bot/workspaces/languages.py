"""Each workspace's default language (distribution mode): the language of its people whose Slack
locale is neither English nor French, set by `/starleads language`. Without one, `DEFAULT_LANGUAGE`.

Read on requests from such people only, and kept in memory briefly, so several processes sharing one
database agree within seconds after a change (this process at once).
"""

from __future__ import annotations

import time

from bot.i18n import Language, default_language, stored_language
from bot.store import LanguageStore

CACHE_SECONDS = 10.0


class WorkspaceLanguages:
    def __init__(self, store: LanguageStore | None) -> None:
        """`store`: None for a single-workspace bot, whose language is its operator's DEFAULT_LANGUAGE."""
        self._store = store
        self._cached: dict[str, tuple[float, str | None]] = {}  # (read at, as stored)

    @property
    def per_workspace(self) -> bool:
        return self._store is not None

    async def default_for(self, workspace: str) -> Language:
        """The language of `workspace`'s people whose Slack locale the bot doesn't speak."""
        if self._store is None:
            return default_language()
        cached = self._cached.get(workspace)
        if cached is None or time.monotonic() - cached[0] > CACHE_SECONDS:
            cached = (time.monotonic(), await self._store.get(workspace))
            self._cached[workspace] = cached
        return stored_language(cached[1])

    def forget(self, workspace: str) -> None:
        """The workspace is gone (uninstalled): a reinstall starts from the default."""
        self._cached.pop(workspace, None)

    async def choose(self, workspace: str, language: Language, *, chosen_by: str) -> None:
        if self._store is None:
            raise RuntimeError("a single-workspace bot's language is DEFAULT_LANGUAGE")
        await self._store.save(workspace, language, set_by=chosen_by)
        self._cached[workspace] = (time.monotonic(), language)
