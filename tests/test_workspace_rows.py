"""Every row belongs to one workspace, and no workspace reads or changes another's: on SQLite and
PostgreSQL, store by store. Slack IDs repeat across organizations (a Slack Connect channel has one ID
in each), so each test gives two workspaces the same channel, user and keys."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta

from sqlalchemy import Engine, select

from bot.store import (
    AuditStore,
    ChannelPreferences,
    CreationState,
    CreationStore,
    ForwardNoteStore,
    ForwardStore,
    PreferenceStore,
    ResultState,
    ResultStore,
    Subscription,
    SubscriptionStore,
)
from bot.store.database import create_attempts
from tests.store_rows import LEASE, THREAD, add_results, two_workspaces, unique_id


def test_the_same_channel_keeps_separate_preferences_and_notices_in_each_workspace(
    engines: list[Engine],
) -> None:
    first, second = (PreferenceStore(engine) for engine in engines)
    a, b = two_workspaces()
    channel = unique_id("C")

    asyncio.run(first.remember(channel, ChannelPreferences(agent_id="agent-a", max_retries=2), workspace=a))

    assert asyncio.run(second.get(channel, workspace=b)) == ChannelPreferences()
    asyncio.run(second.remember(channel, ChannelPreferences(agent_id="agent-b"), workspace=b))
    assert asyncio.run(first.get(channel, workspace=a)) == ChannelPreferences(
        agent_id="agent-a", max_retries=2
    )
    assert asyncio.run(first.get(channel, workspace=b)) == ChannelPreferences(agent_id="agent-b")
    assert asyncio.run(first.first_notice(channel, "U0ALICE", "invite", workspace=a)) is True
    assert asyncio.run(second.first_notice(channel, "U0ALICE", "invite", workspace=b)) is True
    assert asyncio.run(second.first_notice(channel, "U0ALICE", "invite", workspace=a)) is False


def test_a_workspace_neither_sees_nor_settles_another_workspaces_creation(engines: list[Engine]) -> None:
    owner, other = (CreationStore(engine) for engine in engines)
    a, b = two_workspaces()
    key = unique_id("V")
    claim = owner.claim(
        key, fingerprint="f", draft_input={"name": "X"}, user_id="U1", channel_id="C1", workspace=a
    )
    assert asyncio.run(claim).granted
    asyncio.run(owner.finish(key, CreationState.UNKNOWN, late_lookup="look-for-X", workspace=a))

    assert asyncio.run(other.get(key, workspace=b)) is None
    assert key not in {r.key for r in asyncio.run(other.unfinished_lookups(timedelta(hours=1), workspace=b))}
    asyncio.run(other.end_lookup(key, "look-for-X", workspace=b))
    settled = asyncio.run(
        other.finish(
            key,
            CreationState.CREATED,
            campaign={"id": "cmp-b"},
            only_if=(CreationState.UNKNOWN,),
            workspace=b,
        )
    )

    assert settled is False
    assert [r.key for r in asyncio.run(owner.unfinished_lookups(timedelta(hours=1), workspace=a))] == [key]
    asyncio.run(
        owner.finish(
            key,
            CreationState.CREATED,
            campaign={"id": "cmp-a"},
            only_if=(CreationState.UNKNOWN,),
            workspace=a,
        )
    )
    assert asyncio.run(owner.campaign_ids(workspace=a)) == {"cmp-a"}
    assert asyncio.run(other.campaign_ids(workspace=b)) == set()


def test_each_audited_attempt_names_its_workspace(engines: list[Engine]) -> None:
    a, b = two_workspaces()
    key = unique_id("V")
    for engine, workspace in zip(engines, (a, b), strict=True):
        asyncio.run(
            AuditStore(engine).record(
                user_id="U1", channel_id="C1", creation_key=key, outcome="created", workspace=workspace
            )
        )

    query = select(create_attempts.c.workspace_id).where(create_attempts.c.creation_key == key)
    with engines[0].connect() as connection:
        assert sorted(connection.execute(query).scalars()) == [a, b]


def subscribe(engine: Engine, workspace: str, **fields: str) -> Subscription:
    """A subscription of `workspace`, found again through its token's hash as a delivery finds it."""
    store = SubscriptionStore(engine)
    token_hash = secrets.token_hex(32)
    asyncio.run(store.insert(token_hash, "C0SHARED", "U0ALICE", workspace=workspace, **fields))
    found = asyncio.run(store.find(token_hash))
    assert found is not None
    return found


def test_a_workspace_cannot_settle_bind_or_forget_another_workspaces_subscription(
    engines: list[Engine],
) -> None:
    a, b = two_workspaces()
    creation_key = unique_id("V")
    waiting = subscribe(engines[0], a, campaign_id="cmp-1", creation_key=creation_key)
    other = SubscriptionStore(engines[1])

    asyncio.run(other.settle(creation_key, "cmp-2", THREAD, "{}", workspace=b))
    bound = asyncio.run(other.bind_waiting("C0SHARED", "cmp-1", THREAD, "{}", workspace=b))
    asyncio.run(other.forget(waiting.token_hash, workspace=b))

    assert bound == 0
    assert asyncio.run(other.find(waiting.token_hash)) == waiting  # still there, still waiting
    assert waiting.workspace_id == a
    assert asyncio.run(other.bind_waiting("C0SHARED", "cmp-1", THREAD, "{}", workspace=a)) == 1


def test_a_workspace_claims_marks_and_counts_only_its_own_call_results(engines: list[Engine]) -> None:
    a, b = two_workspaces()
    subscription = subscribe(engines[0], a, thread_ts=THREAD)
    add_results(engines[0], subscription, 2)
    owner, other = ResultStore(engines[0]), ResultStore(engines[1])

    assert asyncio.run(other.claim(100, timedelta(0), workspace=b)) == []
    first, second = asyncio.run(owner.claim(100, LEASE, workspace=a))
    asyncio.run(other.mark(first.id, ResultState.DEAD, workspace=b))
    asyncio.run(owner.mark(first.id, ResultState.POSTED, reply_ts="1700000000.000002", workspace=a))

    assert (first.workspace_id, second.workspace_id) == (a, a)
    assert asyncio.run(other.renew(second.id, workspace=b)) is False
    assert asyncio.run(owner.renew(second.id, workspace=a)) is True
    assert asyncio.run(other.tally(subscription.token_hash, workspace=b)) == {}
    assert asyncio.run(owner.tally(subscription.token_hash, workspace=a)) == {"Booked": 1}
    asyncio.run(owner.mark(second.id, ResultState.POSTED, workspace=a))


def test_a_workspace_forwards_and_shows_notes_only_for_its_own_results(engines: list[Engine]) -> None:
    a, b = two_workspaces()
    subscription = subscribe(engines[0], a, thread_ts=THREAD, forward_url="https://hooks.example.com/in")
    add_results(engines[0], subscription, 1)
    owner, other = ForwardStore(engines[0]), ForwardStore(engines[1])

    assert asyncio.run(other.claim(100, LEASE, workspace=b)) == []
    (forward,) = asyncio.run(owner.claim(100, LEASE, workspace=a))
    asyncio.run(owner.gave_up(forward, "hooks.example.com", "HTTP 500"))

    assert forward.workspace_id == a
    assert asyncio.run(ForwardNoteStore(engines[1]).claim(timedelta(0), LEASE, workspace=b)) == []
    (note,) = asyncio.run(ForwardNoteStore(engines[0]).claim(timedelta(0), LEASE, workspace=a))
    assert (note.workspace_id, note.token_hash, note.dead_forwards) == (a, subscription.token_hash, 1)
    asyncio.run(other.failed(forward.id, 1, timedelta(0), workspace=b))  # would make it due again
    assert asyncio.run(owner.claim(100, LEASE, workspace=a)) == []  # dead it stays


def test_forwards_and_forwarding_notes_of_every_workspace_are_claimed_each_as_its_workspaces(
    engines: list[Engine],
) -> None:
    a, b = two_workspaces()
    url = "https://hooks.example.com/in"
    subscriptions = {w: subscribe(engines[0], w, thread_ts=THREAD, forward_url=url) for w in (a, b)}
    for subscription in subscriptions.values():
        add_results(engines[0], subscription, 2)
    forwards = ForwardStore(engines[1])

    assert {a, b} <= set(asyncio.run(forwards.due_workspaces(100_000)))
    claimed = {w: asyncio.run(forwards.claim(1, LEASE, workspace=w)) for w in (a, b)}
    assert {w: [item.workspace_id for item in items] for w, items in claimed.items()} == {a: [a], b: [b]}
    for workspace, (item,) in claimed.items():
        asyncio.run(forwards.gave_up(item, "hooks.example.com", f"HTTP 500 in {workspace}"))
    (rest_of_b,) = asyncio.run(forwards.claim(100, LEASE, workspace=b))
    asyncio.run(forwards.forwarded(rest_of_b.id, workspace=b))
    due_now = set(asyncio.run(forwards.due_workspaces(100_000)))
    assert a in due_now  # its second forward is still due
    assert b not in due_now  # all done: one dead, one forwarded

    claimed_notes = asyncio.run(ForwardNoteStore(engines[0]).claim(timedelta(0), LEASE, workspace=None))
    ours = {subscription.token_hash for subscription in subscriptions.values()}
    notes = sorted((n.workspace_id, n.problem) for n in claimed_notes if n.token_hash in ours)
    assert notes == [(a, f"HTTP 500 in {a}"), (b, f"HTTP 500 in {b}")]
