"""Webhook subscriptions (which channel a webhook URL feeds) and the call results received through them.

A subscription is stored under its token's hash (call_results/tokens.py: the token itself is kept
nowhere). Each result is one INSERT under a unique (token, item, attempt) key: a redelivery collides with
the first copy and is reported as a duplicate, atomically, whichever process receives it.

Posting is claimed row by row (`pending` → `posting` → `posted` or `dead`), so several processes can
post from one PostgreSQL database without posting a result twice. A claim is a lease its poster renews
(`keep`) while it holds it; one not renewed for a whole lease belongs to a poster that died and is
taken again, flagged `reclaimed`: that poster may have died with its reply already in Slack, so the new
owner reads the thread back before posting.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Executable,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from bot.caching import ReadThroughCache
from bot.store.claims import claim_rows, new_claim_token, renew_claims
from bot.store.database import (
    call_results,
    now,
    oldest_results,
    retired_webhooks,
    run_in_thread,
    webhook_subscriptions,
)
from bot.store.forwards import ForwardState
from bot.store.intake import GroupCommit, Kept
from bot.store.workspace import SINGLE

UNKNOWN_ATTEMPT = 0  # stored when a result has no readable attempt count, so its redeliveries still dedupe


class ResultState(StrEnum):
    PENDING = "pending"  # stored, not yet posted to Slack
    POSTING = "posting"  # claimed by the poster of `claim_token`, its lease last renewed at `claimed_at`
    POSTED = "posted"  # in the subscription's thread, as `reply_ts`
    DEAD = "dead"  # could not be posted after bounded tries; a note in the thread says so


@dataclass(frozen=True)
class Subscription:
    token_hash: str
    workspace_id: str  # its results are that workspace's: a token alone names its workspace
    channel_id: str
    campaign_id: str | None
    forward_url: str | None
    created_by: str
    created_at: datetime
    thread_ts: str | None = None
    root_message: str | None = None
    creation_key: str | None = None
    language: str | None = None  # its thread's (None: made before languages, the default)


@dataclass(frozen=True)
class ClaimedResult:
    """A stored result a poster now owns, with where it goes."""

    id: int
    token_hash: str
    workspace_id: str
    channel_id: str
    thread_ts: str
    campaign_id: str | None
    root_message: str | None
    language: str | None  # its subscription's
    payload: str
    # Taken over from a lease run out: a poster may have died with its reply already in the thread.
    reclaimed: bool = False


def _claimed(row: Mapping[str, Any]) -> ClaimedResult:
    fields = dict(row)
    fields["reclaimed"] = fields.pop("state") == ResultState.POSTING.value
    return ClaimedResult(**fields)


def _forward_fields(subscription: Subscription) -> dict[str, object]:
    """A result for a subscription with the user's own webhook URL is owed to it, due at once."""
    if subscription.forward_url is None:
        return {}
    return {"forward_state": ForwardState.PENDING.value, "forward_attempts": 0, "forward_after": now()}


_SEEN_LIMIT = 10_000
# Another process's uninstall reaches this one's memory within this long: a result it takes meanwhile
# is stored but never posted (the workspace has no bot token any more).
_SEEN_SECONDS = 60.0


def _bound(found: Subscription | None) -> bool:
    """A subscription with its thread: it never changes again until its workspace uninstalls."""
    return found is not None and found.thread_ts is not None


def _waiting(found: Subscription | None) -> bool:
    return found is not None and found.thread_ts is None


def _claimable(at: datetime, lease: timedelta) -> ColumnElement[bool]:
    """A result no live poster holds: pending, or claimed but not renewed for a whole `lease`."""
    return or_(
        call_results.c.state == ResultState.PENDING.value,
        and_(call_results.c.state == ResultState.POSTING.value, call_results.c.claimed_at < at - lease),
    )


class SubscriptionStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # Every process may remember the bound subscriptions it has seen for a while: a webhook delivery
        # then costs no database read. Unknown tokens, and subscriptions still waiting for their
        # campaign's card, are looked up again each time.
        self._seen: ReadThroughCache[str, Subscription | None] = ReadThroughCache(
            lambda token_hash: run_in_thread(self._find, token_hash),
            name="subscriptions",
            fresh_seconds=_SEEN_SECONDS,
            refresh_in_background=False,
            keeps=_bound,
            limit=_SEEN_LIMIT,
        )

    async def insert(
        self,
        token_hash: str,
        channel_id: str,
        created_by: str,
        campaign_id: str | None = None,
        forward_url: str | None = None,
        thread_ts: str | None = None,
        root_message: str | None = None,
        creation_key: str | None = None,
        *,
        language: str | None = None,
        workspace: str = SINGLE,
    ) -> None:
        """A new subscription. Without `thread_ts` its results are stored but wait for a thread."""
        row = {
            "token_hash": token_hash,
            "workspace_id": workspace,
            "channel_id": channel_id,
            "campaign_id": campaign_id,
            "forward_url": forward_url,
            "created_by": created_by,
            "created_at": now(),
            "thread_ts": thread_ts,
            "root_message": root_message,
            "creation_key": creation_key,
            "language": language,
        }
        await run_in_thread(self._insert, row)
        self._seen.forget(token_hash)

    async def settle(
        self,
        creation_key: str,
        campaign_id: str,
        thread_ts: str | None,
        root_message: str | None,
        *,
        workspace: str = SINGLE,
    ) -> None:
        """The create under `creation_key` made `campaign_id`; its card is `thread_ts` (None when the
        bot could not post it: its results then wait for `/starleads subscribe` in that channel)."""
        values: dict[str, str | None] = {"campaign_id": campaign_id}
        if thread_ts is not None:
            values |= {"thread_ts": thread_ts, "root_message": root_message}
        await self._bind(workspace, webhook_subscriptions.c.creation_key == creation_key, values)

    async def bind_waiting(
        self,
        channel_id: str,
        campaign_id: str,
        thread_ts: str,
        root_message: str,
        *,
        language: str | None = None,
        workspace: str = SINGLE,
    ) -> int:
        """Give a campaign's subscriptions still waiting in this channel a thread, in `language` (its root
        message's); returns how many. Their stored results are then posted there."""
        which = and_(
            webhook_subscriptions.c.channel_id == channel_id,
            webhook_subscriptions.c.campaign_id == campaign_id,
        )
        values = {"thread_ts": thread_ts, "root_message": root_message, "language": language}
        return await self._bind(workspace, which, values)

    async def _bind(self, workspace: str, which: ColumnElement[bool], values: dict[str, str | None]) -> int:
        waiting = webhook_subscriptions.c.thread_ts.is_(None)
        mine = webhook_subscriptions.c.workspace_id == workspace
        statement = update(webhook_subscriptions).where(mine, which, waiting).values(**values)
        bound = await run_in_thread(self._execute, statement)
        self._seen.forget_where(_waiting)  # none is kept, but a find under way may have found them so
        return bound

    async def forget(self, token_hash: str, *, workspace: str = SINGLE) -> None:
        """Drop a subscription still waiting for its campaign, which certainly was not created."""
        statement = delete(webhook_subscriptions).where(
            webhook_subscriptions.c.workspace_id == workspace,
            webhook_subscriptions.c.token_hash == token_hash,
            webhook_subscriptions.c.thread_ts.is_(None),
        )
        await run_in_thread(self._execute, statement)
        self._seen.forget(token_hash)

    async def find(self, token_hash: str) -> Subscription | None:
        """The subscription of a webhook token, in whichever workspace: a delivery carries only the
        token, and the subscription found says whose results they are."""
        return await self._seen.get(token_hash)

    async def retired(self, token_hash: str) -> bool:
        """Whether this webhook address belonged to a workspace that has since uninstalled the app."""
        query = select(retired_webhooks.c.token_hash).where(retired_webhooks.c.token_hash == token_hash)
        return await run_in_thread(self._exists, query)

    def forget_seen(self, workspace: str) -> None:
        """Stop answering from memory for a workspace whose subscriptions were just deleted."""
        self._seen.forget_where(lambda found: found is not None and found.workspace_id == workspace)

    def _insert(self, row: dict[str, object]) -> None:
        with self._engine.begin() as connection:
            connection.execute(insert(webhook_subscriptions).values(**row))

    def _execute(self, statement: Executable) -> int:
        with self._engine.begin() as connection:
            return connection.execute(statement).rowcount

    def _exists(self, query: Executable) -> bool:
        with self._engine.connect() as connection:
            return connection.execute(query).first() is not None

    def _find(self, token_hash: str) -> Subscription | None:
        query = select(webhook_subscriptions).where(webhook_subscriptions.c.token_hash == token_hash)
        with self._engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return Subscription(**row) if row else None


class ResultStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._token = new_claim_token()  # marks this process's claims
        self._intake = GroupCommit(engine, call_results, ("token_hash", "item_id", "attempt_count"))

    async def add(
        self,
        subscription: Subscription,
        *,
        item_id: str,
        attempt_count: int | None,
        campaign_id: str | None,
        tag_name: str | None,
        payload: str,
    ) -> Kept:
        """Store a result for posting: its id once committed (`new`), or the id of the result this
        delivery repeats."""
        row = {
            "token_hash": subscription.token_hash,
            "workspace_id": subscription.workspace_id,
            "item_id": item_id,
            "attempt_count": UNKNOWN_ATTEMPT if attempt_count is None else attempt_count,
            "campaign_id": campaign_id,
            "received_at": now(),
            "payload": payload,
            "state": ResultState.PENDING.value,
            "tag_name": tag_name[:200] if tag_name else None,
            **_forward_fields(subscription),
        }
        return await self._intake.insert(row)  # committed with concurrent deliveries' rows

    async def claim(self, limit: int, lease: timedelta, *, workspace: str = SINGLE) -> list[ClaimedResult]:
        """Take up to `limit` of the workspace's results to post, oldest first, that no live poster
        holds: pending, or claimed but not renewed for a whole `lease`."""
        return await run_in_thread(self._claim, workspace, limit, lease)

    async def keep(self, result_ids: Collection[int], *, workspace: str = SINGLE) -> None:
        """The heartbeat: renew the lease on those of these results this store still holds."""
        await run_in_thread(self._keep, workspace, result_ids)

    async def renew(self, result_id: int, *, workspace: str = SINGLE) -> bool:
        """Whether the claim, its lease renewed, is still this store's (False: another poster took it
        over because its lease ran out)."""
        return await run_in_thread(self._keep, workspace, [result_id]) == 1

    async def mark(
        self, result_id: int, state: ResultState, reply_ts: str | None = None, *, workspace: str = SINGLE
    ) -> None:
        await run_in_thread(self._mark, workspace, result_id, state, reply_ts)

    async def tally(self, token_hash: str, *, workspace: str = SINGLE) -> dict[str | None, int]:
        """How many results of a subscription are posted, by tag name (None: no tag)."""
        return await run_in_thread(self._tally, workspace, token_hash)

    async def drop_unsettled(self, *, workspace: str) -> int:
        """Delete the workspace's results not yet posted or dead (its forwards with them); how many."""
        return await run_in_thread(self._drop_unsettled, workspace)

    def _drop_unsettled(self, workspace: str) -> int:
        unsettled = (ResultState.PENDING.value, ResultState.POSTING.value)
        statement = delete(call_results).where(
            call_results.c.workspace_id == workspace, call_results.c.state.in_(unsettled)
        )
        with self._engine.begin() as connection:
            return connection.execute(statement).rowcount

    async def due_workspaces(self, limit: int, lease: timedelta, *, after: str = "") -> list[str]:
        """Up to `limit` workspaces with results `claim` would take now, in workspace order from just
        after `after`, so a caller can go round them all however many there are. A plain DISTINCT, no
        window function: claims rely on FOR UPDATE, which PostgreSQL refuses with one."""
        return await run_in_thread(self._due_workspaces, limit, lease, after)

    def _due_workspaces(self, limit: int, lease: timedelta, after: str) -> list[str]:
        query = (
            select(call_results.c.workspace_id)
            .distinct()
            .join(webhook_subscriptions, webhook_subscriptions.c.token_hash == call_results.c.token_hash)
            .where(
                _claimable(now(), lease),
                call_results.c.workspace_id > after,
                webhook_subscriptions.c.thread_ts.is_not(None),
            )
            .order_by(call_results.c.workspace_id)
            .limit(limit)
        )
        with self._engine.connect() as connection:
            return list(connection.execute(query).scalars())

    def _claim(self, workspace: str, limit: int, lease: timedelta) -> list[ClaimedResult]:
        at = now()
        claimable = and_(call_results.c.workspace_id == workspace, _claimable(at, lease))
        columns = [
            call_results.c.id,
            call_results.c.token_hash,
            call_results.c.workspace_id,
            webhook_subscriptions.c.channel_id,
            webhook_subscriptions.c.thread_ts,
            webhook_subscriptions.c.campaign_id,
            webhook_subscriptions.c.root_message,
            webhook_subscriptions.c.language,
            call_results.c.payload,
            call_results.c.state,
        ]
        query = oldest_results(
            columns, and_(claimable, webhook_subscriptions.c.thread_ts.is_not(None)), limit
        )
        taken = {"state": ResultState.POSTING.value, "claimed_at": at, "claim_token": self._token}
        return [
            _claimed(row._mapping) for row in claim_rows(self._engine, query, call_results, claimable, taken)
        ]

    def _keep(self, workspace: str, result_ids: Collection[int]) -> int:
        held = and_(
            call_results.c.workspace_id == workspace,
            call_results.c.state == ResultState.POSTING.value,
            call_results.c.claim_token == self._token,
        )
        return renew_claims(self._engine, call_results, result_ids, held, {"claimed_at": now()})

    def _mark(self, workspace: str, result_id: int, state: ResultState, reply_ts: str | None) -> None:
        statement = update(call_results).where(
            call_results.c.workspace_id == workspace, call_results.c.id == result_id
        )
        with self._engine.begin() as connection:
            connection.execute(statement.values(state=state.value, reply_ts=reply_ts))

    def _tally(self, workspace: str, token_hash: str) -> dict[str | None, int]:
        query = (
            select(call_results.c.tag_name, func.count())
            .where(
                call_results.c.workspace_id == workspace,
                call_results.c.token_hash == token_hash,
                call_results.c.state == ResultState.POSTED.value,
            )
            .group_by(call_results.c.tag_name)
        )
        with self._engine.connect() as connection:
            return {tag: count for tag, count in connection.execute(query).all()}
