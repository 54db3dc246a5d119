"""Webhooks: durable intake of Starleads' call results, and the drain of a burst at Slack's pace.

For SQLite, then PostgreSQL (in a schema of its own, dropped afterwards; skipped, with the reason
printed, when unreachable), starts the Slack and Starleads stand-ins in a process of their own (as
`load.py` does), starts the real bot
(`python -m bot serve`) with that `DATABASE_URL`, subscribes two channels with signed
`/starleads subscribe <campaign ID>` commands (the webhook token arrives in the ephemeral answer at
the Slack stand-in's response URL), and measures:

- drain: 1,000 results posted at once to the first channel's webhook; from the last 200, the threaded
  replies the Slack stand-in receives in that channel are counted over a bounded window (30 s by
  default), and the drain time of the whole burst is extrapolated from that rate (the real drain, at
  about one message a second, would take some 17 minutes);
- intake: a few thousand documented-shape payloads (unique item IDs) to the second channel's webhook,
  from 20 concurrent senders (one asyncio client, aiohttp, keep-alive connections); rate counts only
  durable answers (200 with `{"status": "stored"}`), latency is per request at the client;
- loss: rows in `call_results` for each subscription's token hash against the payloads sent.

The drain runs first: the poster takes results oldest first, so the intake's results queue behind
the burst's and do not slow its drain. Figures are printed next to the issue's targets; nothing is
asserted. Everything is bounded in count and time, and the bot and stand-ins are stopped on error.

    .venv/bin/python benchmarks/webhooks.py [--payloads 3000] [--concurrency 20] [--window 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from socketserver import StreamRequestHandler
from typing import Any

import aiohttp
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.standin_process import StandInProcess, cpu_seconds
from bot.call_results.tokens import hash_token
from bot.store import connect
from tests.conftest import POSTGRES_URL, RunningBot, bot_environment, postgres_unreachable
from tests.slack_driver import SlackDriver, unique_id
from tests.standins.slack_api import FakeSlack, _params
from tests.standins.starleads_api import FakeStarleads, documented_call_result

CAMPAIGN = "66f1b2d0016e6d3e9353ab85"
WEBHOOK_URL = re.compile(r"/starleads/webhook/([A-Za-z0-9_-]+)")
BURST = 1000
REQUEST_TIMEOUT_SECONDS = 10.0

# Targets from the issue, on the 2-core machine.
RATE_SQLITE = 500.0  # payloads/s
P99_MS = 50.0


def payload(item_id: str, campaign_id: str = CAMPAIGN) -> dict[str, Any]:
    """A call result shaped as ../shared/starleads/api-notes.md documents it (PascalCase)."""
    return documented_call_result(item_id, campaign_id)


def item_ids(count: int) -> list[str]:
    """Unique 24-hex item IDs, like Starleads' own."""
    return [uuid.uuid4().hex[:24] for _ in range(count)]


# The stand-ins' process ---------------------------------------------------------------------------
def serve_stand_ins(pipe: Connection, workdir: str, database_url: str | None) -> None:
    """Run both stand-ins; send the bot's environment, then answer requests until None comes:
    `("answers", count, timeout)` → the first `count` response-URL posts;
    `("replies", channel)` → arrival times (monotonic) of threaded chat.postMessage in `channel`."""
    # socketserver's backlog of 5 and Nagle would otherwise slow the stand-ins (see load.py).
    ThreadingHTTPServer.request_queue_size = 128
    StreamRequestHandler.disable_nagle_algorithm = True
    slack, starleads = FakeSlack().start(), FakeStarleads().start()
    try:
        # Without a URL, the bot's database is SQLite in `workdir` (bot.db), as in the tests.
        database = {"DATABASE_URL": database_url} if database_url else {}
        env = bot_environment(slack, starleads, Path(workdir), LOG_LEVEL="WARNING", **database)
        pipe.send((env, slack.response_url()))
        while (request := pipe.recv()) is not None:
            if request[0] == "answers":
                _, count, timeout = request
                pipe.send(slack.wait_response_url(count=count, timeout=timeout))
            else:
                channel = request[1]
                pipe.send(
                    [
                        r.received_at
                        for r in list(slack.requests)
                        if r.path == "/api/chat.postMessage"
                        and (params := _params(r)).get("channel") == channel
                        and params.get("thread_ts")
                    ]
                )
        pipe.send("stopped")
    finally:
        slack.stop()
        starleads.stop()


class StandIns(StandInProcess):
    """The parent's end of the stand-ins' process."""

    def __init__(self, workdir: str, database_url: str | None) -> None:
        super().__init__(serve_stand_ins, workdir, database_url)

    def answers(self, count: int) -> list[dict[str, Any]]:
        return self.ask(("answers", count, 10.0), timeout=20)

    def replies(self, channel: str) -> list[float]:
        return self.ask(("replies", channel), timeout=20)


# Measuring ----------------------------------------------------------------------------------------
@dataclass
class Intake:
    sent: int = 0
    stored: int = 0
    other: dict[str, int] = field(default_factory=dict)  # non-durable answers, by kind
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    last_answer_at: float = 0.0  # monotonic

    @property
    def rate(self) -> float:
        return self.stored / self.seconds if self.seconds else 0.0


async def send_all(url: str, bodies: list[bytes], concurrency: int) -> Intake:
    """Post every body from `concurrency` senders; only 200 + "stored" counts as durable."""
    intake = Intake(sent=len(bodies))
    queue = iter(bodies)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
    connector = aiohttp.TCPConnector(limit=concurrency)
    headers = {"content-type": "application/json"}

    async def sender(session: aiohttp.ClientSession) -> None:
        for body in queue:
            started = time.perf_counter()
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    answer = await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as error:
                kind = type(error).__name__
            else:
                intake.latencies_ms.append((time.perf_counter() - started) * 1000)
                outcome = json.loads(answer).get("status") if status == 200 else None
                if outcome == "stored":
                    intake.stored += 1
                    continue
                kind = f"HTTP {status} {outcome or answer[:60]!r}"
            intake.other[kind] = intake.other.get(kind, 0) + 1

    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        began = time.monotonic()
        await asyncio.gather(*(sender(session) for _ in range(concurrency)))
        intake.last_answer_at = time.monotonic()
        intake.seconds = intake.last_answer_at - began
    return intake


def subscribe(bot: RunningBot, stand_ins: StandIns, answers_so_far: int) -> tuple[str, str]:
    """A new channel subscribed to the campaign; (channel, webhook token)."""
    channel = unique_id("C")
    answer = SlackDriver(bot.url, stand_ins.response_url).command(f"subscribe {CAMPAIGN}", channel_id=channel)
    if answer.status_code != 200:
        raise RuntimeError(f"/starleads subscribe answered {answer.status_code}")
    notes = stand_ins.answers(answers_so_far + 1)
    found = WEBHOOK_URL.search(notes[-1]["text"]) if len(notes) > answers_so_far else None
    if not found:
        raise RuntimeError(f"no webhook URL in the subscribe answer: {notes[-1:]}")
    return channel, found.group(1)


def stored_rows(database_url: str | None, workdir: Path, token: str) -> int:
    """Rows the database holds for that subscription: what survives the process."""
    if database_url is None:
        with sqlite3.connect(workdir / "bot.db") as db:
            query = "select count(*) from call_results where token_hash = ?"
            return db.execute(query, (hash_token(token),)).fetchone()[0]
    engine = connect(database_url)
    try:
        with engine.connect() as db:
            query = text("select count(*) from call_results where token_hash = :h")
            return db.execute(query, {"h": hash_token(token)}).scalar_one()
    finally:
        engine.dispose()


# One database ------------------------------------------------------------------------------------
def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def quantiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    if len(ordered) < 2:
        only = ordered[0] if ordered else float("nan")
        return only, only, only
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return cuts[49], cuts[98], ordered[-1]


def bench(name: str, database_url: str | None, payloads: int, concurrency: int, window: float) -> None:
    print(f"\n== {name} ({database_url or 'bot.db in a temporary directory'}) ==")
    with tempfile.TemporaryDirectory() as workdir:
        stand_ins = StandIns(workdir, database_url)
        try:
            bot = RunningBot(stand_ins.env, Path(workdir))
            try:
                measure(bot, stand_ins, name, database_url, Path(workdir), payloads, concurrency, window)
            finally:
                bot.stop()
        finally:
            stand_ins.stop()


def measure(
    bot: RunningBot,
    stand_ins: StandIns,
    name: str,
    database_url: str | None,
    workdir: Path,
    payloads: int,
    concurrency: int,
    window: float,
) -> None:
    burst_channel, burst_token = subscribe(bot, stand_ins, 0)
    _, intake_token = subscribe(bot, stand_ins, 1)

    # Drain: a 1,000-result burst into one channel, then its replies over a bounded window.
    bodies = [json.dumps(payload(i)).encode() for i in item_ids(BURST)]
    burst = asyncio.run(send_all(f"{bot.url}/starleads/webhook/{burst_token}", bodies, concurrency))
    time.sleep(max(0.0, burst.last_answer_at + window - time.monotonic()))
    replies = stand_ins.replies(burst_channel)
    in_window = [t for t in replies if burst.last_answer_at <= t <= burst.last_answer_at + window]
    burst_rows = stored_rows(database_url, workdir, burst_token)
    print(
        f"burst intake                 {burst.stored} of {BURST} stored in {burst.seconds:.2f} s "
        f"({burst.rate:.0f}/s); {burst_rows} rows in the database"
    )
    if in_window:
        rate = len(in_window) / window
        print(
            f"drain rate, MEASURED         {rate:.2f} replies/s: {len(in_window)} threaded replies in the "
            f"{window:.0f} s after the last 200 ({len(replies)} since the burst began)"
        )
        eta = window + (BURST - len(replies)) / rate
        print(
            f"drain time, EXTRAPOLATED     {eta:.0f} s ({eta / 60:.1f} min) from the last 200 to the "
            f"{BURST:,}th reply, at the measured rate"
        )
    else:
        print(f"drain rate, MEASURED         no threaded reply in the {window:.0f} s after the last 200")

    # Intake: the sustained rate and latency of durable answers.
    bodies = [json.dumps(payload(i)).encode() for i in item_ids(payloads)]
    bot_cpu, client_cpu = cpu_seconds(bot.process.pid), time.process_time()
    intake = asyncio.run(send_all(f"{bot.url}/starleads/webhook/{intake_token}", bodies, concurrency))
    bot_cpu, client_cpu = cpu_seconds(bot.process.pid) - bot_cpu, time.process_time() - client_cpu
    rows = stored_rows(database_url, workdir, intake_token)
    p50, p99, top = quantiles(intake.latencies_ms)
    rate_target = (
        f"target ≥ {RATE_SQLITE:.0f}/s: {verdict(intake.rate >= RATE_SQLITE)}" if name == "SQLite" else ""
    )
    print(
        f"intake rate (durable)        {intake.rate:.0f} payloads/s: {intake.stored} of {intake.sent} "
        f"stored in {intake.seconds:.2f} s, {concurrency} concurrent senders   {rate_target}"
    )
    print(
        f"intake latency               p50 {p50:.1f} ms  p99 {p99:.1f} ms  max {top:.1f} ms "
        f"(n={len(intake.latencies_ms)})   target p99 ≤ {P99_MS:.0f} ms: {verdict(p99 <= P99_MS)}"
    )
    print(
        f"CPU during intake            bot {bot_cpu * 1000 / payloads:.2f} ms per payload "
        f"({bot_cpu / intake.seconds:.0%} of a core), senders {client_cpu * 1000 / payloads:.2f} ms per "
        f"payload ({client_cpu / intake.seconds:.0%} of a core); 2 cores in all"
    )
    refused = {**burst.other, **intake.other}
    lost = (intake.sent - rows) + (BURST - burst_rows)
    print(
        f"loss                         {rows} rows for {intake.sent} intake payloads, {burst_rows} for "
        f"{BURST} burst payloads; not durable answers: {refused or 'none'}"
        f"   target 0 lost: {verdict(lost == 0 and not refused)}"
    )


def main() -> None:
    # A plain `kill` should stop the bot and the stand-ins too: turn it into an exit that runs `finally`.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payloads", type=int, default=3000, help="intake payloads (at most 20,000)")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--window", type=float, default=30.0, help="drain window in s (at most 300)")
    args = parser.parse_args()
    if not (1 <= args.payloads <= 20_000 and 1 <= args.concurrency <= 200 and 2 <= args.window <= 300):
        parser.error("--payloads 1..20000, --concurrency 1..200, --window 2..300")
    print(f"load average before the run: {os.getloadavg()[0]:.2f}")
    bench("SQLite", None, args.payloads, args.concurrency, args.window)
    reason = postgres_unreachable()
    if reason:
        print(f"\n== PostgreSQL: SKIPPED, {POSTGRES_URL} unreachable ({reason}) ==")
        return
    # A schema of its own, dropped afterwards: the tests' database may hold pending results of
    # theirs, which the bot's poster would otherwise take first (oldest first), and this run's
    # thousands of results must not be left for a later bot to post.
    schema = f"bench_webhooks_{uuid.uuid4().hex[:8]}"
    engine = connect(POSTGRES_URL)
    try:
        with engine.begin() as db:
            db.execute(text(f"create schema {schema}"))
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
        bench("PostgreSQL", url, args.payloads, args.concurrency, args.window)
    finally:
        with engine.begin() as db:
            db.execute(text(f"drop schema if exists {schema} cascade"))
        engine.dispose()


if __name__ == "__main__":
    main()
