"""Two bot processes on one PostgreSQL database share the posting of call results: every result Starleads
sends, whichever process receives it, becomes exactly one reply in its channel's thread, and both
processes take part (each claims rows with `SELECT … FOR UPDATE SKIP LOCKED`)."""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.store import connect
from tests.call_results_driver import (
    PASCAL,
    WEBHOOK_URL,
    campaign_id_in,
    create,
    in_thread,
    post,
    token_in,
)
from tests.conftest import RunningBot, bot_environment, postgres_schema
from tests.slack_driver import SlackDriver, unique_id
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import FakeStarleads

CHANNELS = 4  # the poster posts about one reply a second per channel: several channels keep it short
RESULTS_PER_CHANNEL = 6
BATCH = 5  # results a poster claims at a time
# Shorter than a channel's batch of five takes to post (about 5 s), and than the slow posts below: only
# the heartbeat keeps a busy poster's claims. Set by its old name too, which a bot without leases
# reads as how old a claim must be to be taken over.
LEASE_SECONDS = 4.0
SLOW_POST_SECONDS = LEASE_SECONDS + 1
TALLY_QUIET_SECONDS = 3.5  # the poster updates a root's tally at most every 3 s
POSTED_LINE = re.compile(r"result_posted result=(\d+) channel=(\S+)")


class TwoBots:
    """Two `starleads-bot serve` processes behind one Slack app, sharing one database (a PostgreSQL
    schema of their own, see `postgres_schema`)."""

    def __init__(
        self, fake_slack: FakeSlack, fake_starleads: FakeStarleads, workdir: Path, database_url: str
    ) -> None:
        self.engine = connect(database_url)
        self.bots: list[RunningBot] = []
        try:
            for name in ("first", "second"):
                folder = workdir / name
                folder.mkdir()
                env = bot_environment(
                    fake_slack,
                    fake_starleads,
                    folder,
                    DATABASE_URL=database_url,
                    RESULT_CLAIM_LEASE_SECONDS=str(LEASE_SECONDS),
                    RESULT_CLAIM_STALE_SECONDS=str(LEASE_SECONDS),
                )
                self.bots.append(RunningBot(env, folder))
        except BaseException:
            self.close()
            raise

    def rows(self, sql: str) -> list[dict[str, Any]]:
        with self.engine.connect() as db:
            return [dict(row) for row in db.execute(text(sql)).mappings()]

    def close(self) -> None:
        for bot in self.bots:
            bot.stop()
        self.engine.dispose()


@pytest.fixture(scope="module")
def two_bots(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TwoBots]:
    with postgres_schema("two_posters") as database_url:
        pair = TwoBots(fake_slack, fake_starleads, tmp_path_factory.mktemp("two-posters"), database_url)
        yield pair
        pair.close()


def subscribe(bot: RunningBot, fake_slack: FakeSlack) -> tuple[str, str]:
    """`/starleads subscribe` typed in a new channel, through `bot`: the channel and its webhook token.

    Like `tests.call_results_driver.subscribe`, but several in a row: each takes its own answer."""
    channel = unique_id("C")
    answered = len(fake_slack.response_url_posts())
    driver = SlackDriver(bot.url, fake_slack.response_url())
    assert driver.command(f"subscribe {PASCAL['CampaignId']}", channel_id=channel).status_code == 200
    note = fake_slack.wait_response_url(count=answered + 1)[-1]
    found = WEBHOOK_URL.search(note["text"])
    assert note["response_type"] == "ephemeral"
    assert found, note["text"]
    return channel, found.group(1)


def results_done(two_bots: TwoBots, tokens: set[str], count: int, timeout: float) -> list[dict[str, Any]]:
    """The stored results of these webhook tokens, with where each belongs, once `count` of them are
    done (or time is up)."""
    hashes = {hashlib.sha256(token.encode()).hexdigest() for token in tokens}
    deadline = time.monotonic() + timeout
    while True:
        every = two_bots.rows(
            "select r.id, r.state, r.reply_ts, r.token_hash, s.channel_id, s.thread_ts from call_results r "
            "join webhook_subscriptions s on s.token_hash = r.token_hash order by r.id"
        )
        rows = [row for row in every if row["token_hash"] in hashes]
        done = sum(r["state"] in ("posted", "dead") for r in rows)
        if (len(rows) >= count and done == len(rows)) or time.monotonic() > deadline:
            return rows
        time.sleep(0.1)


def settle(fake_slack: FakeSlack, timeout: float = 10) -> None:
    """Until Slack has heard nothing from either bot for longer than the 3 s between tally updates."""
    deadline = time.monotonic() + timeout
    while not fake_slack.quiet_for(TALLY_QUIET_SECONDS) and time.monotonic() < deadline:
        time.sleep(0.1)


def replies(fake_slack: FakeSlack) -> list[dict[str, Any]]:
    """Every result reply Slack received: threaded messages carrying a result id."""
    return [
        call
        for call in fake_slack.calls("chat.postMessage")
        if call.get("thread_ts") and (call.get("metadata") or {}).get("event_type") == "starleads_call_result"
    ]


def deliver_all_at_once(two_bots: TwoBots, deliveries: list[tuple[RunningBot, str, dict[str, Any]]]) -> None:
    """Starleads sends them all at once, spread over both processes."""
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda d: post(d[0], d[1], d[2]).json()["status"], deliveries))
    assert answers == ["stored"] * len(deliveries)


def all_done(two_bots: TwoBots, fake_slack: FakeSlack, tokens: set[str], count: int) -> list[dict[str, Any]]:
    """The `count` stored results of these tokens once all are done and Slack has settled."""
    rows = results_done(two_bots, tokens, count, timeout=60)
    settle(fake_slack)  # a doubled reply or a late tally would still arrive meanwhile
    assert len(rows) == count
    return rows


def each_posted_once(
    fake_slack: FakeSlack, rows: list[dict[str, Any]], channels: set[str]
) -> dict[int, dict[str, Any]]:
    """Check every result is posted once, in its own channel's thread; the rows by result id."""
    # Nothing left behind in the database: every result is posted, none pending, posting or dead.
    assert Counter(r["state"] for r in rows) == Counter({"posted": len(rows)})
    assert all(r["reply_ts"] for r in rows)
    # In Slack: one reply per result, in its own channel's thread, none twice.
    sent = [call for call in replies(fake_slack) if call["channel"] in channels]
    by_id = {r["id"]: r for r in rows}
    assert Counter(c["metadata"]["event_payload"]["result_id"] for c in sent) == Counter(
        dict.fromkeys(by_id, 1)
    )
    for call in sent:
        row = by_id[call["metadata"]["event_payload"]["result_id"]]
        assert (call["channel"], call["thread_ts"]) == (row["channel_id"], row["thread_ts"])
    assert {r["channel_id"] for r in rows} == channels
    return by_id


def test_two_processes_on_one_postgresql_post_every_result_exactly_once_between_them(
    two_bots: TwoBots, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_slack.reset()
    fake_starleads.reset()
    first, second = two_bots.bots
    subscriptions = [subscribe(two_bots.bots[n % 2], fake_slack) for n in range(CHANNELS)]
    deliveries = [
        (two_bots.bots[n % 2], token, {**PASCAL, "Id": f"item-{n:02d}-{uuid.uuid4().hex[:8]}"})
        for n, (_, token) in enumerate(subscriptions * RESULTS_PER_CHANNEL)
    ]
    channels = {channel for channel, _ in subscriptions}

    deliver_all_at_once(two_bots, deliveries)  # both posters wake and claim together
    rows = all_done(two_bots, fake_slack, {token for _, token in subscriptions}, len(deliveries))

    by_id = each_posted_once(fake_slack, rows, channels)
    # Each root's tally, which both processes update, ends counting all of its channel's results.
    last_update = {c["ts"]: str(c) for c in fake_slack.calls("chat.update") if c["channel"] in channels}
    assert set(last_update) == {r["thread_ts"] for r in rows}
    assert all(f"Appointment {RESULTS_PER_CHANNEL}" in update for update in last_update.values())
    # Both processes posted, and between them each result once (as their logs tell operators).
    logs = [Counter(int(m.group(1)) for m in POSTED_LINE.finditer(bot.log())) for bot in (first, second)]
    assert all(logs), f"one process posted everything: {[sum(log.values()) for log in logs]}"
    assert logs[0] + logs[1] == Counter(dict.fromkeys(by_id, 1))
    assert not any("duplicate_possible" in bot.log() or "Traceback" in bot.log() for bot in (first, second))


def test_a_busy_posters_claims_are_never_taken_over_even_when_slack_answers_slower_than_a_lease(
    two_bots: TwoBots, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_slack.reset()
    fake_starleads.reset()
    slack = SlackDriver(two_bots.bots[0].url, fake_slack.response_url())
    fake_slack.fail("chat.postMessage", "not_in_channel")  # the card can't go up: its results wait
    channel, sent, created = create(slack, fake_slack, fake_starleads)
    token = token_in(sent)
    deliver_all_at_once(
        two_bots,
        [
            (two_bots.bots[n % 2], token, {**PASCAL, "Id": f"busy-{n:02d}-{uuid.uuid4().hex[:8]}"})
            for n in range(BATCH + 1)
        ],
    )
    assert [r["state"] for r in results_done(two_bots, {token}, BATCH + 1, timeout=0)] == ["pending"] * (
        BATCH + 1
    )

    # `/starleads subscribe` opens the thread and all six become claimable at once: one poster claims
    # a batch of five, the other the sixth. That one is soon idle, while Slack takes longer than a
    # lease to answer each of the first two replies: the busy poster's claims, the one being posted
    # and those waiting their turn, outlive several leases. The idle poster looks for claims to take
    # twice a second all along.
    fake_slack.slow_down("chat.postMessage", SLOW_POST_SECONDS, times=2, where=in_thread(channel))
    slack.command(f"subscribe {campaign_id_in(created)}", channel_id=channel)
    rows = all_done(two_bots, fake_slack, {token}, BATCH + 1)

    each_posted_once(fake_slack, rows, {channel})
    logs = " ".join(bot.log() for bot in two_bots.bots)
    assert "result_taken_over" not in logs  # no live poster's claim changed hands
    assert "duplicate_possible" not in logs
