"""Nothing lost, nothing doubled, nothing late: a bot killed (SIGKILL) while posting call results, started
again on the same database, posts every stored result exactly once, including a reply in flight at the
kill, and takes over the dead process's claims as soon as their lease runs out."""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, insert, select

from bot.store import SINGLE, connect
from bot.store.database import call_results, now
from tests.call_results_driver import (
    PASCAL,
    create,
    in_thread,
    post,
    root_of,
    stored,
    subscribe,
    thread_ts,
    token_in,
)
from tests.conftest import Crashable, RunningBot, postgres_schema
from tests.standins.customer_webhook import CustomerWebhook
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import FakeStarleads

DEFAULT_LEASE = {"RESULT_CLAIM_LEASE_SECONDS": None, "RESULT_CLAIM_STALE_SECONDS": None}  # unset: 15 s
TAKEOVER_SECONDS = 20  # the bound: a dead process's claims are taken over this soon


@pytest.fixture(scope="module")
def crashable(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Crashable]:
    workdir = tmp_path_factory.mktemp("crashable")
    running = Crashable(fake_slack, fake_starleads, workdir, **DEFAULT_LEASE)
    yield running
    running.bot.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def crash_site(
    request: pytest.FixtureRequest, fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path: Path
) -> Iterator[tuple[Crashable, Engine]]:
    """A bot of its own, with the default lease, on SQLite or on a PostgreSQL schema of its own; and an
    engine on that database, to see what survives the process."""
    with contextlib.ExitStack() as cleanup:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'bot.db'}"
        else:
            url = cleanup.enter_context(postgres_schema("result_recovery"))
        running = Crashable(fake_slack, fake_starleads, tmp_path, DATABASE_URL=url, **DEFAULT_LEASE)
        cleanup.callback(lambda: running.bot.stop())  # the one started last
        engine = connect(url)
        cleanup.callback(engine.dispose)
        yield running, engine


@pytest.fixture
def fresh_slack(fake_slack: FakeSlack, fake_starleads: FakeStarleads) -> FakeSlack:
    fake_slack.reset()
    fake_starleads.reset()
    return fake_slack


def result_ids(fake_slack: FakeSlack, channel: str) -> Counter[int]:
    """How many replies in the channel's thread carry each result id, as Slack received them."""
    return Counter(
        call["metadata"]["event_payload"]["result_id"]
        for call in fake_slack.calls("chat.postMessage")
        if in_thread(channel)(call) and call.get("metadata")
    )


def all_posted(bot: RunningBot, token: str, count: int, timeout: float) -> list[dict[str, Any]]:
    return posted_in_time(lambda: stored(bot, token), count, timeout)


def posted_in_time(
    read: Callable[[], list[dict[str, Any]]], count: int, timeout: float
) -> list[dict[str, Any]]:
    """The stored results `read` gives once `count` of them are all posted, or when time is up."""
    deadline = time.monotonic() + timeout
    while True:
        rows = read()
        if (len(rows) >= count and all(r["state"] == "posted" for r in rows)) or time.monotonic() > deadline:
            return rows
        time.sleep(0.1)


def stored_in(engine: Engine, token: str) -> list[dict[str, Any]]:
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    query = select(call_results).where(call_results.c.token_hash == token_hash).order_by(call_results.c.id)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def body(n: int) -> dict[str, Any]:
    return {**PASCAL, "Id": f"item-{n:02d}-{uuid.uuid4().hex[:8]}"}


def test_a_bot_killed_in_the_middle_of_a_burst_posts_every_result_exactly_once_soon_after_restart(
    crash_site: tuple[Crashable, Engine], fresh_slack: FakeSlack
) -> None:
    crashable, database = crash_site
    channel, token = subscribe(crashable.driver(), fresh_slack)
    root_of(fresh_slack, channel)
    for n in range(20):
        assert post(crashable.bot, token, body(n)).json()["status"] == "stored"
    fresh_slack.wait_timed("chat.postMessage", in_thread(channel), count=3, timeout=15)

    crashable.kill_and_restart()  # replies are still being paced out, one a second
    left = [r for r in stored_in(database, token) if r["state"] != "posted"]
    # Each result left takes its second in the channel; the dead process's claims are free once
    # their lease (15 s by default) runs out. A deadline to wait for, not a pause.
    rows = posted_in_time(lambda: stored_in(database, token), 20, len(left) * 1.0 + TAKEOVER_SECONDS)

    assert len(left) >= 10  # the kill did land in the middle of the burst
    assert [r["state"] for r in rows] == ["posted"] * 20
    assert result_ids(fresh_slack, channel) == Counter({r["id"]: 1 for r in rows})
    log = crashable.bot.log()
    assert "result_posted" in log
    assert "duplicate_possible" not in log  # the dead process's claims were taken over and read back


def stale_claim(bot: RunningBot, token: str) -> int:
    """A result a poster claimed (`posting`) and then died holding, long enough ago that its lease ran
    out: the bot takes it over at once."""
    engine = connect(f"sqlite:///{Path(bot.log_path).parent / 'bot.db'}")
    row = body(0)
    try:
        with engine.begin() as connection:
            inserted = connection.execute(
                insert(call_results).values(
                    token_hash=hashlib.sha256(token.encode()).hexdigest(),
                    workspace_id=SINGLE,
                    item_id=row["Id"],
                    attempt_count=1,
                    campaign_id=row["CampaignId"],
                    received_at=now(),
                    payload=json.dumps(row),
                    state="posting",
                    tag_name="Appointment",
                    claimed_at=now() - timedelta(minutes=1),
                )
            )
            return int(inserted.inserted_primary_key[0])
    finally:
        engine.dispose()


def test_a_reply_that_reached_slack_before_the_crash_is_recorded_not_posted_again(
    crashable: Crashable, fresh_slack: FakeSlack
) -> None:
    channel, token = subscribe(crashable.driver(), fresh_slack)
    root_ts = thread_ts(crashable.bot, channel)
    in_flight, lost = stale_claim(crashable.bot, token), stale_claim(crashable.bot, token)
    # The dead poster's reply for `in_flight` got to Slack; its answer never came back to be recorded.
    metadata = {"event_type": "starleads_call_result", "event_payload": {"result_id": in_flight}}
    reached = httpx.post(
        f"{fresh_slack.api_url}chat.postMessage",
        json={"channel": channel, "thread_ts": root_ts, "text": "Appointment", "metadata": metadata},
    ).json()

    rows = all_posted(crashable.bot, token, 2, timeout=15)

    assert [r["state"] for r in rows] == ["posted", "posted"]
    assert result_ids(fresh_slack, channel) == Counter({in_flight: 1, lost: 1})
    assert rows[0]["reply_ts"] == reached["ts"]
    reads = fresh_slack.calls("conversations.replies")
    assert reads
    assert all(r["channel"] == channel and r["ts"] == root_ts for r in reads)
    assert all(str(r["include_all_metadata"]).lower() in ("1", "true") for r in reads)
    log = crashable.bot.wait_for_log(f"result_posted result={lost} channel={channel}")
    assert f"result_found_in_thread result={in_flight} channel={channel}" in log
    assert f"result_posted result={lost} channel={channel}" in log
    fresh_slack.wait_timed("chat.update", lambda c: c.get("ts") == root_ts and "Appointment 2" in str(c))


def test_a_thread_that_cannot_be_read_back_is_posted_to_anyway_with_a_warning(
    crashable: Crashable, fresh_slack: FakeSlack
) -> None:
    channel, token = subscribe(crashable.driver(), fresh_slack)
    fresh_slack.fail("conversations.replies", "missing_scope")
    result_id = stale_claim(crashable.bot, token)

    rows = all_posted(crashable.bot, token, 1, timeout=15)

    assert [r["state"] for r in rows] == ["posted"]
    assert result_ids(fresh_slack, channel) == Counter({result_id: 1})
    log = crashable.bot.log()
    assert f"thread_read_failed channel={channel} error=missing_scope attempt=1" in log
    assert f"result_reposted_unchecked result={result_id} channel={channel} duplicate_possible=true" in log


FORWARD_BACKOFF_SECONDS = 3.0


@pytest.fixture(scope="module")
def crashable_forwarder(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Crashable]:
    running = Crashable(
        fake_slack,
        fake_starleads,
        tmp_path_factory.mktemp("crashable-forwarder"),
        RESULT_FORWARD_BACKOFF_SECONDS=f"[{FORWARD_BACKOFF_SECONDS}]",
    )
    yield running
    running.bot.stop()


def test_a_forward_waiting_for_its_next_try_survives_a_kill_and_keeps_its_backoff(
    crashable_forwarder: Crashable,
    fresh_slack: FakeSlack,
    fake_starleads: FakeStarleads,
    hook: CustomerWebhook,
) -> None:
    own = f"{hook.url}/hooks/in"
    _, sent, _ = create(crashable_forwarder.driver(), fresh_slack, fake_starleads, {"webhook_url": own})
    token = token_in(sent)
    hook.answer(500)
    post(crashable_forwarder.bot, token, PASCAL)
    hook.wait_for(lambda r: True)
    waiting = wait_until(lambda: stored(crashable_forwarder.bot, token)[0]["forward_state"] == "pending")

    crashable_forwarder.kill_and_restart()

    assert waiting
    tries = hook.wait_for(lambda r: True, count=2, timeout=15)
    assert tries[1].received_at - tries[0].received_at >= FORWARD_BACKOFF_SECONDS - 0.1
    assert tries[1].body == tries[0].body == json.dumps(PASCAL).encode()
    assert wait_until(lambda: stored(crashable_forwarder.bot, token)[0]["forward_state"] == "forwarded")
    time.sleep(0.5)
    assert len(hook.requests) == 2


def wait_until(condition: Callable[[], bool], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
