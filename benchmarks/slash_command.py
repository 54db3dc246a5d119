"""Slash-command latency: how fast `/starleads campaign` is acknowledged and its form opened.

Starts the real bot (`python -m bot serve`) against the local Slack and Starleads stand-ins, sends
signed slash commands over loopback and prints percentiles. `GET /healthz` on the same server is the
baseline: the ratio shows what the bot adds on top of HTTP, uvicorn and the machine.

    .venv/bin/python benchmarks/slash_command.py [--requests 300] [--concurrency 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import RunningBot, bot_environment
from tests.slack_driver import SlackDriver, unique_id
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import FakeStarleads


def cut_points(samples: list[float]) -> list[float]:
    """The 99 percentiles of `samples` (index 49 is p50)."""
    return statistics.quantiles(sorted(samples), n=100, method="inclusive")


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    cut = cut_points(ordered)
    return (
        f"p50 {cut[49]:6.2f} ms  p90 {cut[89]:6.2f} ms  p99 {cut[98]:6.2f} ms  "
        f"max {ordered[-1]:6.2f} ms  (n={len(ordered)})"
    )


def timed(action: Callable[[], httpx.Response]) -> float:
    started = time.perf_counter()
    response = action()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"unexpected answer {response.status_code}: {response.text[:200]}")
    return elapsed


def run(requests: int, concurrency: int) -> None:
    slack_api, starleads = FakeSlack().start(), FakeStarleads().start()
    with tempfile.TemporaryDirectory() as workdir:
        started = time.monotonic()
        bot = RunningBot(
            bot_environment(slack_api, starleads, Path(workdir), LOG_LEVEL="WARNING"), Path(workdir)
        )
        print(f"cold start (process start → healthy): {(time.monotonic() - started) * 1000:.0f} ms")
        try:
            measure(bot, slack_api, requests, concurrency)
        finally:
            bot.stop()
            slack_api.stop()
            starleads.stop()


class CampaignCommands:
    """Sends signed `/starleads campaign` commands, timing each ack and, from the Slack stand-in's
    records, each command's time from sent to `views.open` (matched by trigger ID). Each batch starts
    by clearing the stand-in's records, and nothing else may open forms meanwhile."""

    def __init__(self, slack_api: FakeSlack) -> None:
        self._slack_api = slack_api
        self._sent_at: dict[str, float] = {}

    def send(self, driver: SlackDriver, channel_id: str) -> float:
        """The command's ack, in ms."""
        trigger = unique_id("trigger.")
        self._sent_at[trigger] = time.monotonic()
        return timed(lambda: driver.command("campaign", trigger_id=trigger, channel_id=channel_id))

    def one_at_a_time(self, commands: list[tuple[SlackDriver, str]]) -> tuple[list[float], list[float]]:
        """Each form open before the next command: (acks, sent → views.open), in ms."""
        self._slack_api.clear()
        acks = []
        for index, (driver, channel_id) in enumerate(commands):
            acks.append(self.send(driver, channel_id))
            self._slack_api.wait_call("views.open", count=index + 1)
        return acks, self._opened()

    def at_once(
        self, commands: list[tuple[SlackDriver, str]], concurrency: int
    ) -> tuple[list[float], list[float]]:
        """`concurrency` in flight at a time: (acks, sent → views.open), in ms."""
        self._slack_api.clear()
        with ThreadPoolExecutor(concurrency) as pool:
            acks = list(pool.map(lambda command: self.send(*command), commands))
        self._slack_api.wait_call("views.open", count=len(commands), timeout=60)
        return acks, self._opened()

    def _opened(self) -> list[float]:
        """Sent → views.open of each command sent since the last batch, in ms."""
        opened = [r for r in self._slack_api.requests if r.path == "/api/views.open"]
        arrivals = {r.json()["trigger_id"]: r.received_at for r in opened}
        sent, self._sent_at = self._sent_at, {}
        return [(arrivals[trigger] - at) * 1000 for trigger, at in sent.items()]


def measure(bot: RunningBot, slack_api: FakeSlack, requests: int, concurrency: int) -> None:
    driver = SlackDriver(bot.url, slack_api.response_url())
    health = httpx.Client(timeout=10)
    for _ in range(20):  # warm-up: imports, auth.test, connection pools, SQLite file
        driver.command("campaign")
        health.get(f"{bot.url}/healthz")

    baseline = [timed(lambda: health.get(f"{bot.url}/healthz")) for _ in range(requests)]
    help_acks = [timed(lambda: driver.command("help")) for _ in range(requests)]

    commands = CampaignCommands(slack_api)
    sequential, sequential_open = commands.one_at_a_time([(driver, "C0BENCH01")] * requests)
    concurrent, concurrent_open = commands.at_once(
        [(driver, f"C0BENCH{n % 50:02d}") for n in range(requests)], concurrency
    )

    base_p50 = statistics.median(baseline)
    print(f"baseline GET /healthz              {percentiles(baseline)}")
    print(f"/starleads help ack                {percentiles(help_acks)}")
    print(f"/starleads campaign ack            {percentiles(sequential)}")
    print(f"command sent → views.open          {percentiles(sequential_open)}")
    print(f"{concurrency} at a time: campaign ack       {percentiles(concurrent)}")
    print(f"{concurrency} at a time: sent → views.open  {percentiles(concurrent_open)}")
    print(f"ratio campaign ack / baseline (p50):   {statistics.median(sequential) / base_p50:.2f}×")
    print(f"ratio views.open / baseline (p50):     {statistics.median(sequential_open) / base_p50:.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=10)
    arguments = parser.parse_args()
    run(arguments.requests, arguments.concurrency)


if __name__ == "__main__":
    main()
