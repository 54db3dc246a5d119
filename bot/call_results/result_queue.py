"""Call results between Starleads' webhook and the results thread: stored as received, then claimed
one by one by a poster, which records where each ended.

A result a poster takes over from one that died (its lease ran out) comes `reclaimed`: that poster
may have died with its reply already in the thread, so the new one reads the thread back first.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from bot.call_results.payload import CallResult
from bot.i18n import Language, stored_language
from bot.store import SINGLE, ClaimedResult, Kept, ResultState, ResultStore, Subscription


@dataclass(frozen=True)
class DueResult:
    """A stored result a poster now owns, with where it goes."""

    id: int
    workspace: str  # whose Slack it goes to; every later step on it is scoped to that workspace
    subscription_key: str  # one per subscription, so per results thread
    channel_id: str
    thread_ts: str
    campaign_id: str | None
    root_message: str | None  # the thread's root as posted (JSON), None for an older subscription
    language: Language  # the thread's: its replies and tally speak it
    result: CallResult
    reclaimed: bool


def _due(claimed: ClaimedResult) -> DueResult:
    """Read again from the raw body kept whole: stored results were read once already at intake."""
    return DueResult(
        id=claimed.id,
        workspace=claimed.workspace_id,
        subscription_key=claimed.token_hash,
        channel_id=claimed.channel_id,
        thread_ts=claimed.thread_ts,
        campaign_id=claimed.campaign_id,
        root_message=claimed.root_message,
        language=stored_language(claimed.language),
        result=CallResult.read(json.loads(claimed.payload)),
        reclaimed=claimed.reclaimed,
    )


class ResultQueue:
    def __init__(self, store: ResultStore) -> None:
        self._store = store

    async def add(self, subscription: Subscription, result: CallResult, raw: str) -> Kept:
        """Keep a result for posting: its id once committed (`new`), or that of the result this
        delivery repeats. A result that names no campaign belongs to its subscription's."""
        if result.item_id is None:
            raise ValueError("a test payload has no item to store")
        return await self._store.add(
            subscription,
            item_id=result.item_id,
            attempt_count=result.attempt_count,
            campaign_id=result.campaign_id or subscription.campaign_id,
            tag_name=result.tag_name,
            payload=raw,
        )

    async def due_workspaces(self, limit: int, lease: timedelta, *, after: str = "") -> list[str]:
        """Up to `limit` workspaces with results to post, in a fixed order starting just after `after`:
        a poster goes round them so that none waits on another."""
        return await self._store.due_workspaces(limit, lease, after=after)

    async def claim(self, limit: int, lease: timedelta, *, workspace: str = SINGLE) -> list[DueResult]:
        """Up to `limit` of the workspace's results to post, oldest first, that no live poster holds."""
        return [_due(claimed) for claimed in await self._store.claim(limit, lease, workspace=workspace)]

    async def keep(self, result_ids: Collection[int], *, workspace: str = SINGLE) -> None:
        """The heartbeat: renew the lease on those of these results this poster still holds."""
        await self._store.keep(result_ids, workspace=workspace)

    async def renew(self, due: DueResult) -> bool:
        """Whether `due` is still this poster's, its lease renewed (False: another poster took it over
        because its lease ran out). Called right before posting, so a claim that lapsed however late
        the heartbeat was is not posted twice."""
        return await self._store.renew(due.id, workspace=due.workspace)

    async def posted(self, due: DueResult, reply_ts: str) -> None:
        await self._store.mark(due.id, ResultState.POSTED, reply_ts=reply_ts, workspace=due.workspace)

    async def dead(self, due: DueResult) -> None:
        """Could not be posted after bounded tries; a note in the thread says so."""
        await self._store.mark(due.id, ResultState.DEAD, workspace=due.workspace)

    async def drop(self, workspace: str) -> int:
        """The workspace uninstalled the app: its results still to post go nowhere; how many there were."""
        return await self._store.drop_unsettled(workspace=workspace)

    async def tally(self, subscription_key: str, *, workspace: str = SINGLE) -> dict[str | None, int]:
        """How many results of a thread are posted, by tag name (None: no tag)."""
        return await self._store.tally(subscription_key, workspace=workspace)
