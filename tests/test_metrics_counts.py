"""The database's counts behind `/metrics`, read from real SQLite and PostgreSQL databases: results
and forwards by state, the poster's backlog per channel (capped at the channels with the most), and
the gauges Prometheus reads from them."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, update

from bot.call_results import CallResult
from bot.call_results.result_queue import ResultQueue
from bot.call_results.subscriptions import Subscriptions
from bot.metrics import BACKLOG_CHANNELS, database_registry
from bot.store import ResultStore, SubscriptionStore, connect, stored_counts
from bot.store.database import call_results
from tests.conftest import postgres_schema


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database of this test's own."""
    database = (
        contextlib.nullcontext(f"sqlite:///{tmp_path / 'bot.db'}")
        if request.param == "sqlite"
        else postgres_schema("metrics_counts")
    )
    with database as url:
        engine = connect(url)
        yield engine
        engine.dispose()


def add_results(engine: Engine, channel: str, count: int, forward_url: str | None = None) -> None:
    subscriptions = Subscriptions(SubscriptionStore(engine))
    queue = ResultQueue(ResultStore(engine))
    token = asyncio.run(subscriptions.create(channel, "U0ALICE", campaign_id="C1", forward_url=forward_url))
    subscription = asyncio.run(subscriptions.find(token))
    assert subscription is not None
    for item in range(count):
        body = {"Id": f"{channel}-{item}", "CampaignId": "C1", "AttemptCount": 1}
        asyncio.run(queue.add(subscription, CallResult.read(body), json.dumps(body)))


def settle(engine: Engine, item_id: str, state: str) -> None:
    with engine.begin() as connection:
        connection.execute(update(call_results).where(call_results.c.item_id == item_id).values(state=state))


def test_results_and_forwards_are_counted_by_state_and_the_backlog_by_channel(engine: Engine) -> None:
    add_results(engine, "C0BUSY", 3)
    add_results(engine, "C0DONE", 2, forward_url="https://hooks.example.com/results")
    settle(engine, "C0DONE-0", "posted")
    settle(engine, "C0DONE-1", "dead")

    counts = stored_counts(engine)

    assert counts.results == {"pending": 3, "posted": 1, "dead": 1}
    assert counts.forwards == {"pending": 2}
    assert counts.backlog == {"C0BUSY": 3}
    assert counts.installed is None
    assert counts.connected is None


def test_the_backlog_names_the_busiest_channels_and_sums_the_rest(engine: Engine) -> None:
    add_results(engine, "C0BUSIEST", 3)
    quiet = [f"C0QUIET{n:02d}" for n in range(BACKLOG_CHANNELS + 1)]
    for channel in quiet:
        add_results(engine, channel, 1)

    text = generate_latest(database_registry(lambda: stored_counts(engine))).decode()

    backlog = {
        sample.labels["channel"]: sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "starleads_bot_poster_backlog"
        for sample in family.samples
    }
    assert len(backlog) == BACKLOG_CHANNELS + 1
    assert backlog["C0BUSIEST"] == 3
    assert backlog["other"] == 2  # the quiet channels past the cap, in channel ID order
    assert sum(backlog.values()) == 3 + len(quiet)
    assert "starleads_bot_workspaces_installed" not in text
