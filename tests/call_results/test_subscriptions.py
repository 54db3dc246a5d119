"""The rules of call-result subscriptions, on a real store (SQLite of its own, so claiming every due
result takes no other test's): where a campaign's results go, and what a webhook URL's token opens."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.call_results import CallResult
from bot.call_results.result_queue import DueResult, ResultQueue
from bot.call_results.subscriptions import AlreadySending, NewWebhook, Subscriptions
from bot.store import ResultStore, SubscriptionStore, connect
from bot.store.database import webhook_subscriptions

CHANNEL, USER, CAMPAIGN = "C0SALES01", "U0ALICE", "66f1b2d0016e6d3e9353ab85"
CARD, ROOT = "1700000000.000100", '{"text": "root"}'


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = connect(f"sqlite:///{tmp_path / 'bot.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def subscriptions(engine: Engine) -> Subscriptions:
    return Subscriptions(SubscriptionStore(engine))


@pytest.fixture
def results(engine: Engine) -> ResultQueue:
    return ResultQueue(ResultStore(engine))


def deliver(subscriptions: Subscriptions, results: ResultQueue, token: str, item_id: str) -> None:
    """Starleads posts one call result to the token's webhook URL."""
    body = {"Id": item_id, "AttemptCount": 1, "Result": {"Tag": {"Name": "Interested"}}}

    async def delivered() -> None:
        subscription = await subscriptions.find(token)
        assert subscription is not None
        assert (await results.add(subscription, CallResult.read(body), json.dumps(body))).new

    asyncio.run(delivered())


def due(results: ResultQueue) -> list[DueResult]:
    return asyncio.run(results.claim(100, timedelta(minutes=5)))


def waiting_for_a_created_campaign(subscriptions: Subscriptions, key: str = "create-1") -> str:
    return asyncio.run(subscriptions.create(CHANNEL, USER, creation_key=key))


def test_a_created_campaigns_results_wait_for_its_card_and_then_go_to_its_thread(
    subscriptions: Subscriptions, results: ResultQueue
) -> None:
    token = waiting_for_a_created_campaign(subscriptions)
    deliver(subscriptions, results, token, "item-1")
    assert due(results) == []

    asyncio.run(subscriptions.settle("create-1", CAMPAIGN, CARD, ROOT))

    [posting] = due(results)
    assert (posting.channel_id, posting.thread_ts, posting.root_message) == (CHANNEL, CARD, ROOT)
    assert posting.campaign_id == CAMPAIGN  # the result named none: it is its subscription's
    assert (posting.result.item_id, posting.result.tag_name) == ("item-1", "Interested")
    assert not posting.reclaimed


def test_a_card_that_could_not_be_posted_leaves_the_results_waiting_for_subscribe_which_binds_them(
    subscriptions: Subscriptions, results: ResultQueue
) -> None:
    token = waiting_for_a_created_campaign(subscriptions)
    asyncio.run(subscriptions.settle("create-1", CAMPAIGN, None, None))
    deliver(subscriptions, results, token, "item-1")
    assert due(results) == []

    outcome = asyncio.run(subscriptions.subscribe(CHANNEL, USER, CAMPAIGN, CARD, ROOT))

    assert outcome == AlreadySending()  # no second webhook URL to paste into Starleads
    assert [(r.thread_ts, r.result.item_id) for r in due(results)] == [(CARD, "item-1")]


def test_subscribe_with_nothing_waiting_hands_out_a_webhook_only_its_url_holds(
    subscriptions: Subscriptions, results: ResultQueue, engine: Engine
) -> None:
    waiting_for_a_created_campaign(subscriptions)  # in this channel, but for another campaign

    outcome = asyncio.run(subscriptions.subscribe(CHANNEL, USER, CAMPAIGN, CARD, ROOT))

    assert isinstance(outcome, NewWebhook)
    deliver(subscriptions, results, outcome.token, "item-1")
    assert [(r.channel_id, r.thread_ts, r.campaign_id) for r in due(results)] == [(CHANNEL, CARD, CAMPAIGN)]
    with engine.connect() as connection:
        rows = connection.execute(select(webhook_subscriptions)).all()
    assert not any(outcome.token in str(value) for row in rows for value in row)


def test_a_token_the_bot_never_handed_out_or_forgot_opens_nothing(subscriptions: Subscriptions) -> None:
    forgotten = waiting_for_a_created_campaign(subscriptions)
    asyncio.run(subscriptions.forget(forgotten))

    for token in (forgotten, "", "short", "x" * 43 + "/", "A" * 43):
        assert asyncio.run(subscriptions.find(token)) is None


def test_a_subscription_with_its_thread_is_never_forgotten(subscriptions: Subscriptions) -> None:
    token = waiting_for_a_created_campaign(subscriptions)
    asyncio.run(subscriptions.settle("create-1", CAMPAIGN, CARD, ROOT))

    asyncio.run(subscriptions.forget(token))

    found = asyncio.run(subscriptions.find(token))
    assert found is not None
    assert (found.channel_id, found.thread_ts) == (CHANNEL, CARD)
