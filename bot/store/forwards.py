"""Call results owed to the user's own webhook URL: each forwarded once, retried with backoff, never lost.

A result stored for a subscription with a `forward_url` starts `pending`; a forwarder claims it
(`forwarding`), posts it and marks it `forwarded`, back to `pending` with a later `forward_after`
(backoff), or `dead` after its last try, which in the same transaction moves the thread's note about
dead forwards on (forward_notes.py shows it). One timestamp serves both states: for `pending` it is "not
before", for `forwarding` it is when the claim's lease runs out. Its forwarder renews the lease while
it holds the claim (`keep`), so only a claim left by a process that died runs out and is taken again.
Claims work across processes like the poster's (SKIP LOCKED on PostgreSQL, a conditional UPDATE per
row on SQLite). `due_workspaces` names the workspaces with forwards due, so a forwarder can claim a
small batch of each in turn and one workspace's dead endpoint never fills the batch.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, Engine, and_, select, update
from sqlalchemy.sql.dml import Insert, Update

from bot.store.claims import claim_rows, new_claim_token, renew_claims
from bot.store.database import (
    call_results,
    forward_notes,
    insert_or_update,
    now,
    oldest_results,
    run_in_thread,
    webhook_subscriptions,
)
from bot.store.workspace import SINGLE

MAX_PROBLEM_LENGTH = 500
MAX_HOST_LENGTH = 255


class ForwardState(StrEnum):
    PENDING = "pending"  # due at `forward_after`
    FORWARDING = "forwarding"  # claimed by the forwarder of `forward_token`, its lease until `forward_after`
    FORWARDED = "forwarded"
    DEAD = "dead"  # every try failed


@dataclass(frozen=True)
class DueForward:
    id: int
    token_hash: str  # its subscription's
    url: str
    payload: str
    attempts: int  # tries made before this one
    workspace_id: str = SINGLE  # its subscription's


class ForwardStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._token = new_claim_token()  # marks this process's claims

    async def claim(self, limit: int, lease: timedelta, *, workspace: str = SINGLE) -> list[DueForward]:
        """Up to `limit` of the workspace's forwards that are due, oldest first; each is this store's
        for a `lease`."""
        return await run_in_thread(self._claim, workspace, limit, lease)

    async def due_workspaces(self, limit: int, *, after: str = "") -> list[str]:
        """Up to `limit` workspaces with forwards `claim` would take now, in workspace order from just
        after `after` (as `ResultStore.due_workspaces`: a plain DISTINCT, so claims keep FOR UPDATE)."""
        return await run_in_thread(self._due_workspaces, limit, after)

    async def keep(self, result_ids: Collection[int], lease: timedelta, *, workspace: str = SINGLE) -> None:
        """The heartbeat: those of these forwards this store still holds are its own for another `lease`."""
        held = and_(
            call_results.c.workspace_id == workspace,
            call_results.c.forward_state == ForwardState.FORWARDING.value,
            call_results.c.forward_token == self._token,
        )
        renewed = {"forward_after": now() + lease}
        await run_in_thread(renew_claims, self._engine, call_results, result_ids, held, renewed)

    async def forwarded(self, result_id: int, *, workspace: str = SINGLE) -> None:
        await run_in_thread(self._set, workspace, result_id, {"forward_state": ForwardState.FORWARDED.value})

    async def failed(
        self, result_id: int, attempts: int, retry_in: timedelta, *, workspace: str = SINGLE
    ) -> None:
        """A try failed (`attempts` made so far): try again after `retry_in`."""
        values = {
            "forward_attempts": attempts,
            "forward_state": ForwardState.PENDING.value,
            "forward_after": now() + retry_in,
        }
        await run_in_thread(self._set, workspace, result_id, values)

    async def gave_up(self, item: DueForward, host: str, problem: str) -> None:
        """No more tries for `item` (its last one, or none, was made): dead, and its subscription's note
        for `host` moves on to say so, in one transaction so the note's count never misses it."""
        await run_in_thread(self._gave_up, item, host, problem)

    def _due_workspaces(self, limit: int, after: str) -> list[str]:
        query = (
            select(call_results.c.workspace_id)
            .distinct()
            .join(webhook_subscriptions, webhook_subscriptions.c.token_hash == call_results.c.token_hash)
            .where(
                _due(now()),
                call_results.c.workspace_id > after,
                webhook_subscriptions.c.forward_url.is_not(None),
            )
            .order_by(call_results.c.workspace_id)
            .limit(limit)
        )
        with self._engine.connect() as connection:
            return list(connection.execute(query).scalars())

    def _claim(self, workspace: str, limit: int, lease: timedelta) -> list[DueForward]:
        at = now()
        due = and_(call_results.c.workspace_id == workspace, _due(at))
        columns = [
            call_results.c.id,
            call_results.c.token_hash,
            webhook_subscriptions.c.forward_url.label("url"),
            call_results.c.payload,
            call_results.c.forward_attempts.label("attempts"),
            call_results.c.workspace_id,
        ]
        query = oldest_results(columns, and_(due, webhook_subscriptions.c.forward_url.is_not(None)), limit)
        hold = {
            "forward_state": ForwardState.FORWARDING.value,
            "forward_after": at + lease,
            "forward_token": self._token,
        }
        return [
            _due_forward(row._mapping) for row in claim_rows(self._engine, query, call_results, due, hold)
        ]

    def _gave_up(self, item: DueForward, host: str, problem: str) -> None:
        dead = {"forward_state": ForwardState.DEAD.value, "forward_attempts": item.attempts + 1}
        with self._engine.begin() as connection:
            connection.execute(_update(item.workspace_id, item.id, dead))
            connection.execute(self._note_moved_on(item, host, problem))

    def _note_moved_on(self, item: DueForward, host: str, problem: str) -> Insert:
        values = {
            "token_hash": item.token_hash,
            "workspace_id": item.workspace_id,
            "host": host[:MAX_HOST_LENGTH],
            "problem": problem[:MAX_PROBLEM_LENGTH],
            "failed_at": now(),
            "revision": 1,
        }
        moved_on = {"revision": forward_notes.c.revision + 1}
        return insert_or_update(self._engine, forward_notes, values, ["token_hash", "host"], moved_on)

    def _set(self, workspace: str, result_id: int, values: dict[str, object]) -> None:
        with self._engine.begin() as connection:
            connection.execute(_update(workspace, result_id, values))


def _update(workspace: str, result_id: int, values: dict[str, object]) -> Update:
    mine = and_(call_results.c.workspace_id == workspace, call_results.c.id == result_id)
    return update(call_results).where(mine).values(**values)


def _due(at: datetime) -> ColumnElement[bool]:
    """A forward waiting for its next try, or one whose claim's lease ran out (its forwarder died)."""
    return and_(
        call_results.c.forward_state.in_([ForwardState.PENDING.value, ForwardState.FORWARDING.value]),
        call_results.c.forward_after <= at,
    )


def _due_forward(row: object) -> DueForward:
    fields = dict(row)  # type: ignore[call-overload]
    fields["attempts"] = fields["attempts"] or 0
    return DueForward(**fields)
