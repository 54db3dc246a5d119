"""Fair posting across workspaces: one workspace's rate-limited Slack never holds back another's
results. The poster goes round the workspaces with results due (`ResultStore.due_workspaces`, on SQLite
and PostgreSQL) and gives each its own lane."""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from datetime import timedelta

from sqlalchemy import Engine

from bot.store import ResultState, ResultStore, SubscriptionStore
from tests.call_results_driver import (
    PASCAL,
    in_thread,
    post,
    root_of,
    subscribe,
    subscribe_in_another_workspace,
)
from tests.conftest import RunningBot
from tests.slack_driver import SlackDriver
from tests.standins.slack_api import FakeSlack

LEASE = timedelta(minutes=5)
THREAD = "1700000000.000001"
RETRY_AFTER = 8  # seconds workspace A's Slack asks the bot to wait


def add_result(engine: Engine, workspace: str, *, thread_ts: str | None = THREAD) -> None:
    """A stored result of a new subscription of `workspace` (waiting for its thread without `thread_ts`)."""
    subscriptions = SubscriptionStore(engine)
    token_hash = secrets.token_hex(32)
    asyncio.run(
        subscriptions.insert(token_hash, "C0SHARED", "U0ALICE", thread_ts=thread_ts, workspace=workspace)
    )
    subscription = asyncio.run(subscriptions.find(token_hash))
    assert subscription is not None
    body = json.dumps({"Id": "item-1", "AttemptCount": 1})
    stored_result = ResultStore(engine).add(
        subscription, item_id="item-1", attempt_count=1, campaign_id=None, tag_name=None, payload=body
    )
    assert asyncio.run(stored_result).new


def test_due_workspaces_are_those_with_results_to_post_in_a_fixed_order_resumable(
    engines: list[Engine],
) -> None:
    tag = uuid.uuid4().hex[:8].upper()  # the PostgreSQL database is shared: these sort together
    first, second, third, held, posted, waiting = (f"W{tag}{n}" for n in "ABCDEF")
    for workspace in (third, first, second, held, posted):
        add_result(engines[0], workspace)
    add_result(engines[0], waiting, thread_ts=None)  # its campaign's card isn't posted yet
    asyncio.run(ResultStore(engines[0]).claim(1, LEASE, workspace=held))  # a live poster holds it
    (done,) = asyncio.run(ResultStore(engines[0]).claim(1, LEASE, workspace=posted))
    asyncio.run(ResultStore(engines[0]).mark(done.id, ResultState.POSTED, workspace=posted))
    store = ResultStore(engines[1])

    everything = asyncio.run(store.due_workspaces(100_000, LEASE))
    ours = [workspace for workspace in everything if workspace.startswith(f"W{tag}")]

    assert ours == [first, second, third]
    assert asyncio.run(store.due_workspaces(1, LEASE, after=first)) == [second]
    assert asyncio.run(store.due_workspaces(2, LEASE, after=first)) == [second, third]
    assert held in asyncio.run(store.due_workspaces(100_000, timedelta(0)))  # its lease ran out


def test_a_rate_limited_workspace_does_not_hold_back_another_workspaces_results(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    limited_channel, limited_token = subscribe(slack, fake_slack)
    root_of(fake_slack, limited_channel)
    other_channel, other_token = subscribe_in_another_workspace(bot, "1700000000.900001")
    fake_slack.fail(
        "chat.postMessage",
        "ratelimited",
        status=429,
        headers={"Retry-After": str(RETRY_AFTER)},
        where=in_thread(limited_channel),
    )
    post(bot, limited_token, PASCAL)
    refused_at = fake_slack.wait_timed("chat.postMessage", in_thread(limited_channel))[0][0]

    assert post(bot, other_token, PASCAL).status_code == 200

    other_posted_at = fake_slack.wait_timed("chat.postMessage", in_thread(other_channel))[0][0]
    assert other_posted_at - refused_at < RETRY_AFTER  # it did not wait for the other workspace's turn
    calls = fake_slack.wait_timed("chat.postMessage", in_thread(limited_channel), count=2, timeout=30)
    assert calls[1][0] - refused_at >= RETRY_AFTER - 0.1  # and the limited one kept its Retry-After
