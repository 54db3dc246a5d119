"""Webhook subscriptions and stored call results on real databases: SQLite, and PostgreSQL when reachable."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.call_results import CallResult
from bot.call_results.result_queue import ResultQueue
from bot.call_results.subscriptions import Subscriptions
from bot.store import ForwardStore, Kept, ResultState, ResultStore, Subscription, SubscriptionStore
from bot.store.database import call_results, now, webhook_subscriptions


def subscribe(
    engine: Engine, campaign_id: str | None = "66f1b2d0016e6d3e9353ab85"
) -> tuple[str, Subscription]:
    store = Subscriptions(SubscriptionStore(engine))
    token = asyncio.run(store.create(f"C{uuid.uuid4().hex[:10].upper()}", "U0ALICE", campaign_id=campaign_id))
    subscription = asyncio.run(store.find(token))
    assert subscription is not None
    return token, subscription


def result(item_id: str, attempt: int | None = 1) -> tuple[CallResult, str]:
    body = {"Id": item_id, "CampaignId": "66f1b2d0016e6d3e9353ab85", "AttemptCount": attempt}
    return CallResult.read(body), json.dumps(body)


def stored_rows(engine: Engine, subscription: Subscription) -> list[dict[str, object]]:
    query = select(call_results).where(call_results.c.token_hash == subscription.token_hash)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query.order_by(call_results.c.id)).mappings()]


def test_a_subscription_is_found_by_its_token_which_is_never_stored(engines: list[Engine]) -> None:
    store = Subscriptions(SubscriptionStore(engines[0]))
    token = asyncio.run(store.create("C0SALES01", "U0ALICE", campaign_id="abc123"))

    found = asyncio.run(Subscriptions(SubscriptionStore(engines[1])).find(token))

    assert len(token) >= 32  # secrets.token_urlsafe: 6 bits a character, so at least 192 bits
    assert found is not None
    assert (found.channel_id, found.campaign_id, found.created_by) == ("C0SALES01", "abc123", "U0ALICE")
    with engines[0].connect() as connection:
        rows = connection.execute(select(webhook_subscriptions)).all()
    assert not any(token in str(value) for row in rows for value in row)


@pytest.mark.parametrize(
    "token", ["", "short", "x" * 43 + "/", "A" * 43], ids=["empty", "short", "slash", "unknown"]
)
def test_a_malformed_or_unknown_token_finds_nothing(engines: list[Engine], token: str) -> None:
    assert asyncio.run(Subscriptions(SubscriptionStore(engines[0])).find(token)) is None


def test_two_subscriptions_get_different_tokens(engines: list[Engine]) -> None:
    store = Subscriptions(SubscriptionStore(engines[0]))

    tokens = {asyncio.run(store.create("C0SALES01", "U0ALICE")) for _ in range(20)}

    assert len(tokens) == 20


def test_many_simultaneous_deliveries_of_one_result_store_it_once(engines: list[Engine]) -> None:
    _, subscription = subscribe(engines[0])
    queues = [ResultQueue(ResultStore(engine)) for engine in engines]
    call, raw = result("66e47083637b020bcd9865a9")

    async def deliver_all() -> list[Kept]:
        return await asyncio.gather(*[queues[i % 2].add(subscription, call, raw) for i in range(16)])

    outcomes = asyncio.run(deliver_all())

    assert [outcome.new for outcome in outcomes].count(True) == 1
    rows = stored_rows(engines[0], subscription)
    assert len(rows) == 1
    assert {outcome.id for outcome in outcomes} == {rows[0]["id"]}  # each duplicate names the one kept
    assert rows[0]["payload"] == raw
    assert rows[0]["state"] == "pending"
    assert (rows[0]["item_id"], rows[0]["attempt_count"]) == ("66e47083637b020bcd9865a9", 1)


def test_a_new_attempt_or_another_subscription_is_a_new_result(engines: list[Engine]) -> None:
    _, first = subscribe(engines[0])
    _, second = subscribe(engines[1])
    store = ResultStore(engines[0])

    assert asyncio.run(ResultQueue(store).add(first, *result("item-1", attempt=1))).new
    assert asyncio.run(ResultQueue(store).add(first, *result("item-1", attempt=2))).new
    assert asyncio.run(ResultQueue(store).add(second, *result("item-1", attempt=1))).new
    assert not asyncio.run(ResultQueue(store).add(first, *result("item-1", attempt=2))).new

    assert [row["attempt_count"] for row in stored_rows(engines[0], first)] == [1, 2]
    assert len(stored_rows(engines[0], second)) == 1


def test_results_without_an_attempt_count_still_deduplicate(engines: list[Engine]) -> None:
    _, subscription = subscribe(engines[0], campaign_id=None)
    store = ResultStore(engines[1])

    assert asyncio.run(ResultQueue(store).add(subscription, *result("item-1", attempt=None))).new
    assert not asyncio.run(ResultQueue(store).add(subscription, *result("item-1", attempt=None))).new

    assert len(stored_rows(engines[0], subscription)) == 1


def test_the_campaign_comes_from_the_result_or_else_from_the_subscription(engines: list[Engine]) -> None:
    _, subscription = subscribe(engines[0], campaign_id="bound-campaign")
    store = ResultStore(engines[0])

    asyncio.run(ResultQueue(store).add(subscription, CallResult.read({"Id": "a"}), '{"Id": "a"}'))
    asyncio.run(ResultQueue(store).add(subscription, *result("b")))

    campaigns = [row["campaign_id"] for row in stored_rows(engines[0], subscription)]
    assert campaigns == ["bound-campaign", "66f1b2d0016e6d3e9353ab85"]


# Claiming results to post ----------------------------------------------------------------------


def threaded(engine: Engine) -> Subscription:
    """A subscription with its thread root posted: only those have results to claim."""
    store = Subscriptions(SubscriptionStore(engine))
    channel = f"C{uuid.uuid4().hex[:10].upper()}"
    token = asyncio.run(store.create(channel, "U0ALICE", campaign_id="abc", thread_ts="1700000000.000001"))
    subscription = asyncio.run(store.find(token))
    assert subscription is not None
    return subscription


def test_two_posters_claiming_at_once_never_get_the_same_result(engines: list[Engine]) -> None:
    subscription = threaded(engines[0])
    writer = ResultStore(engines[0])
    for n in range(30):
        asyncio.run(ResultQueue(writer).add(subscription, *result(f"item-{n}")))
    stores = [ResultStore(engine) for engine in engines]

    async def claim_all(store: ResultStore) -> list[int]:
        taken: list[int] = []
        while batch := await store.claim(4, timedelta(minutes=5)):
            for claimed in batch:  # posted, so no bot sharing the database picks them up later
                await store.mark(claimed.id, ResultState.POSTED)
            taken.extend(c.id for c in batch if c.token_hash == subscription.token_hash)
        return taken

    async def race() -> list[list[int]]:
        return await asyncio.gather(*(claim_all(stores[i % 2]) for i in range(4)))

    claimed = [result_id for taken in asyncio.run(race()) for result_id in taken]

    ids = [row["id"] for row in stored_rows(engines[0], subscription)]
    assert sorted(claimed) == ids
    assert {row["state"] for row in stored_rows(engines[0], subscription)} == {"posted"}


def test_a_claim_left_by_a_dead_poster_is_taken_again_and_a_posted_result_never(
    engines: list[Engine],
) -> None:
    subscription = threaded(engines[0])
    first, second = ResultStore(engines[0]), ResultStore(engines[1])
    asyncio.run(ResultQueue(first).add(subscription, *result("item-1")))
    asyncio.run(ResultQueue(first).add(subscription, *result("item-2")))
    mine = [
        c
        for c in asyncio.run(first.claim(100_000, timedelta(minutes=5)))
        if c.token_hash == subscription.token_hash
    ]
    assert [c.channel_id for c in mine] == [subscription.channel_id] * 2
    assert mine[0].thread_ts == "1700000000.000001"

    asyncio.run(first.mark(mine[0].id, ResultState.POSTED, reply_ts="1700000000.000002"))
    fresh = asyncio.run(second.claim(100_000, timedelta(minutes=5)))
    stale = asyncio.run(second.claim(100_000, timedelta(0)))  # a shared database holds others

    assert [c.id for c in fresh if c.token_hash == subscription.token_hash] == []
    assert [c.id for c in stale if c.token_hash == subscription.token_hash] == [mine[1].id]
    assert asyncio.run(first.tally(subscription.token_hash)) == {None: 1}
    for claimed in stale:  # posted, so no bot sharing the database picks them up later
        asyncio.run(second.mark(claimed.id, ResultState.POSTED))


LEASE = timedelta(seconds=15)


def lease_ran_out(engine: Engine, result_ids: list[int], column: str) -> None:
    """Time passes: these claims were last renewed (or their lease set) a whole lease ago."""
    when = {"claimed_at": now() - LEASE - timedelta(seconds=1), "forward_after": now() - timedelta(seconds=1)}
    statement = update(call_results).where(call_results.c.id.in_(result_ids)).values({column: when[column]})
    with engine.begin() as connection:
        connection.execute(statement)


def test_a_claim_its_poster_keeps_renewing_is_never_taken_and_one_it_stopped_renewing_is(
    engines: list[Engine],
) -> None:
    subscription = threaded(engines[0])
    holder, other = ResultStore(engines[0]), ResultStore(engines[1])
    for item in ("item-1", "item-2"):
        asyncio.run(ResultQueue(holder).add(subscription, *result(item)))
    kept, dropped = [
        c for c in asyncio.run(holder.claim(100_000, LEASE)) if c.token_hash == subscription.token_hash
    ]
    early = asyncio.run(other.claim(100_000, LEASE))

    lease_ran_out(engines[0], [kept.id, dropped.id], "claimed_at")
    asyncio.run(other.keep([kept.id, dropped.id]))  # another poster's heartbeat renews only its own
    asyncio.run(holder.keep([kept.id]))  # the holder's heartbeat: it still holds `kept` only
    taken = [c for c in asyncio.run(other.claim(100_000, LEASE)) if c.token_hash == subscription.token_hash]

    assert all(c.token_hash != subscription.token_hash for c in early)  # within the lease: nobody's
    assert [(c.id, c.reclaimed) for c in taken] == [(dropped.id, True)]
    assert not asyncio.run(holder.renew(dropped.id))  # its first poster would skip it now
    assert asyncio.run(holder.renew(kept.id))
    for claimed in (kept, dropped):
        asyncio.run(holder.mark(claimed.id, ResultState.POSTED))


def test_a_forward_its_forwarder_keeps_renewing_is_never_taken_and_one_it_stopped_renewing_is(
    engines: list[Engine],
) -> None:
    subscriptions = Subscriptions(SubscriptionStore(engines[0]))
    token = asyncio.run(
        subscriptions.create("C0SALES01", "U0ALICE", forward_url="https://hooks.example.com/in")
    )
    subscription = asyncio.run(subscriptions.find(token))
    assert subscription is not None
    for item in ("item-1", "item-2"):
        asyncio.run(ResultQueue(ResultStore(engines[0])).add(subscription, *result(item)))
    ours = [row["id"] for row in stored_rows(engines[0], subscription)]
    holder, other = ForwardStore(engines[0]), ForwardStore(engines[1])
    kept, dropped = [f.id for f in asyncio.run(holder.claim(100_000, LEASE)) if f.id in ours]
    early = asyncio.run(other.claim(100_000, LEASE))

    lease_ran_out(engines[0], [kept, dropped], "forward_after")
    asyncio.run(other.keep([kept, dropped], LEASE))  # another forwarder's heartbeat renews only its own
    asyncio.run(holder.keep([kept], LEASE))  # the holder's heartbeat: it still holds `kept` only
    taken = [f.id for f in asyncio.run(other.claim(100_000, LEASE)) if f.id in ours]

    assert all(f.id not in ours for f in early)  # within the lease: nobody's
    assert taken == [dropped]
    for result_id in ours:
        asyncio.run(holder.forwarded(result_id))


def test_results_of_a_subscription_without_a_thread_wait(engines: list[Engine]) -> None:
    _, subscription = subscribe(engines[0])
    store = ResultStore(engines[0])
    asyncio.run(ResultQueue(store).add(subscription, *result("item-1")))

    claimed = asyncio.run(store.claim(100_000, timedelta(0)))

    assert all(c.token_hash != subscription.token_hash for c in claimed)
    assert [row["state"] for row in stored_rows(engines[0], subscription)] == ["pending"]
    for other in claimed:  # other tests' leftovers in a shared database: settle them
        asyncio.run(store.mark(other.id, ResultState.POSTED))


# Deliveries arriving together (committed in one transaction) ------------------------------------


@contextlib.contextmanager
def refusing(engine: Engine, subscription: Subscription) -> Iterator[None]:
    """The database itself refuses this subscription's rows for two item IDs: `bad` as a rule that row
    breaks (an integrity error), `boom` as a failure of the database (an operational error: disk full
    on PostgreSQL, an arithmetic overflow on SQLite). Only this subscription's rows are touched."""
    when = f"NEW.token_hash = '{subscription.token_hash}'"
    if engine.dialect.name == "sqlite":
        created = [
            f"CREATE TRIGGER refuse_bad BEFORE INSERT ON call_results WHEN {when} AND NEW.item_id = 'bad' "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END",
            f"CREATE TRIGGER refuse_boom BEFORE INSERT ON call_results WHEN {when} AND NEW.item_id = 'boom' "
            "BEGIN SELECT abs(-9223372036854775807 - 1); END",
        ]
        dropped = ["DROP TRIGGER refuse_bad", "DROP TRIGGER refuse_boom"]
    else:
        name = f"refuse_{subscription.token_hash[:12]}"
        created = [
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.item_id = 'bad' THEN RAISE EXCEPTION 'no' USING ERRCODE = 'check_violation'; END IF; "
            "IF NEW.item_id = 'boom' THEN RAISE EXCEPTION 'full' USING ERRCODE = 'disk_full'; END IF; "
            "RETURN NEW; END $$",
            f"CREATE TRIGGER {name} BEFORE INSERT ON call_results FOR EACH ROW WHEN ({when}) "
            f"EXECUTE FUNCTION {name}()",
        ]
        dropped = [f"DROP TRIGGER {name} ON call_results", f"DROP FUNCTION {name}()"]
    with engine.begin() as connection:
        for statement in created:
            connection.execute(text(statement))
    try:
        yield
    finally:
        with engine.begin() as connection:
            for statement in dropped:
                connection.execute(text(statement))


def deliver_together(store: ResultStore, subscription: Subscription, items: list[str]) -> list[object]:
    """Each item delivered at the same moment; each delivery's outcome, or the error it raised."""

    async def deliver_all() -> list[object]:
        deliveries = [ResultQueue(store).add(subscription, *result(item)) for item in items]
        return await asyncio.gather(*deliveries, return_exceptions=True)

    return asyncio.run(deliver_all())


def test_deliveries_arriving_together_each_learn_whether_theirs_was_stored_and_which_result_holds_it(
    engines: list[Engine],
) -> None:
    _, subscription = subscribe(engines[0])
    store = ResultStore(engines[0])
    assert asyncio.run(ResultQueue(store).add(subscription, *result("earlier"))).new
    items = ["a", "b", "earlier", "a", "c", "b", "a"]

    outcomes = deliver_together(store, subscription, items)

    ids = {row["item_id"]: row["id"] for row in stored_rows(engines[0], subscription)}
    assert sorted(ids) == ["a", "b", "c", "earlier"]
    stored_now = [True, True, False, False, True, False, False]
    assert outcomes == [Kept(ids[item], new) for item, new in zip(items, stored_now, strict=True)]


def test_a_database_failure_fails_every_delivery_sharing_its_commit_and_stores_none(
    engines: list[Engine],
) -> None:
    _, subscription = subscribe(engines[0])
    store = ResultStore(engines[0])

    with refusing(engines[0], subscription):
        outcomes = deliver_together(store, subscription, ["a", "b", "c", "boom", "d", "e"])

    assert all(isinstance(outcome, OperationalError) for outcome in outcomes), outcomes
    assert stored_rows(engines[0], subscription) == []
    # Nothing was committed, so every one of them can be delivered again, and is stored then.
    again = deliver_together(store, subscription, ["a", "b", "c", "d", "e"])
    assert all(isinstance(outcome, Kept) and outcome.new for outcome in again), again


def test_a_row_the_database_refuses_fails_alone_and_the_others_together_with_it_are_stored(
    engines: list[Engine],
) -> None:
    _, subscription = subscribe(engines[0])
    store = ResultStore(engines[0])

    with refusing(engines[0], subscription):
        outcomes = deliver_together(store, subscription, ["a", "b", "bad", "c", "a"])

    ids = {row["item_id"]: row["id"] for row in stored_rows(engines[0], subscription)}
    assert sorted(ids) == ["a", "b", "c"]
    assert outcomes[:2] == [Kept(ids["a"], new=True), Kept(ids["b"], new=True)]
    assert isinstance(outcomes[2], IntegrityError)
    assert outcomes[3:] == [Kept(ids["c"], new=True), Kept(ids["a"], new=False)]
