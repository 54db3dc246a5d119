"""Call results owed to the user's own webhook URL: each forwarded once, retried with backoff, never lost.

A result stored for a subscription with a `forward_url` starts `pending`; a forwarder claims it
(`forwarding`), posts it and marks it `forwarded`, back to `pending` with a later `forward_after`
(backoff), or `dead` after its last try. One timestamp serves both states: for `pending` it is "not
before", for `forwarding` it is when the claim's lease runs out. Its forwarder renews the lease while
it holds the claim (`keep`), so only a claim left by a process that died runs out and is taken again.
Claims work across processes like the poster's (SKIP LOCKED on PostgreSQL, a conditional UPDATE per
row on SQLite).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import Engine, and_, update

from bot.store.claims import claim_rows, new_claim_token, renew_claims
from bot.store.database import call_results, now, oldest_results, run_in_thread, webhook_subscriptions


class ForwardState(StrEnum):
    PENDING = "pending"  # due at `forward_after`
    FORWARDING = "forwarding"  # claimed by the forwarder of `forward_token`, its lease until `forward_after`
    FORWARDED = "forwarded"
    DEAD = "dead"  # every try failed


@dataclass(frozen=True)
class DueForward:
    id: int
    url: str
    payload: str
    attempts: int  # tries made before this one
    channel_id: str
    thread_ts: str | None


class ForwardStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._token = new_claim_token()  # marks this process's claims

    async def claim(self, limit: int, lease: timedelta) -> list[DueForward]:
        """Up to `limit` forwards that are due, oldest first; each is this store's for a `lease`."""
        return await run_in_thread(self._claim, limit, lease)

    async def keep(self, result_ids: Collection[int], lease: timedelta) -> None:
        """The heartbeat: those of these forwards this store still holds are its own for another `lease`."""
        held = and_(
            call_results.c.forward_state == ForwardState.FORWARDING.value,
            call_results.c.forward_token == self._token,
        )
        renewed = {"forward_after": now() + lease}
        await run_in_thread(renew_claims, self._engine, call_results, result_ids, held, renewed)

    async def forwarded(self, result_id: int) -> None:
        await run_in_thread(self._set, result_id, {"forward_state": ForwardState.FORWARDED.value})

    async def failed(self, result_id: int, attempts: int, retry_in: timedelta | None) -> None:
        """A try failed (`attempts` made so far): try again after `retry_in`, or never (None: dead)."""
        values: dict[str, object] = {"forward_attempts": attempts}
        if retry_in is None:
            values["forward_state"] = ForwardState.DEAD.value
        else:
            values |= {"forward_state": ForwardState.PENDING.value, "forward_after": now() + retry_in}
        await run_in_thread(self._set, result_id, values)

    def _claim(self, limit: int, lease: timedelta) -> list[DueForward]:
        at = now()
        due = and_(
            call_results.c.forward_state.in_([ForwardState.PENDING.value, ForwardState.FORWARDING.value]),
            call_results.c.forward_after <= at,
        )
        columns = [
            call_results.c.id,
            webhook_subscriptions.c.forward_url.label("url"),
            call_results.c.payload,
            call_results.c.forward_attempts.label("attempts"),
            webhook_subscriptions.c.channel_id,
            webhook_subscriptions.c.thread_ts,
        ]
        query = oldest_results(columns, and_(due, webhook_subscriptions.c.forward_url.is_not(None)), limit)
        hold = {
            "forward_state": ForwardState.FORWARDING.value,
            "forward_after": at + lease,
            "forward_token": self._token,
        }
        return [_due(row._mapping) for row in claim_rows(self._engine, query, call_results, due, hold)]

    def _set(self, result_id: int, values: dict[str, object]) -> None:
        with self._engine.begin() as connection:
            connection.execute(update(call_results).where(call_results.c.id == result_id).values(**values))


def _due(row: object) -> DueForward:
    fields = dict(row)  # type: ignore[call-overload]
    fields["attempts"] = fields["attempts"] or 0
    return DueForward(**fields)
