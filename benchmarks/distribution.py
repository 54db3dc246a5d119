"""Distribution mode against single-workspace mode: the same `/starleads campaign` commands, in one run.

Starts two real bots (`python -m bot serve`) against the same local Slack and Starleads stand-ins: one
configured with a bot token and a Starleads key (single workspace), one in distribution mode with
`--workspaces` workspaces installed through the real OAuth endpoints and connected to Starleads with
`/starleads connect`. Rounds alternate between the two bots (single, distribution, then distribution,
single, …). In each round a bot gets one command per workspace first, unmeasured, so every cache is
fresh (the warm figures), then `--sequential` commands one at a time and `--concurrent` commands
`--concurrency` at a time, spread over its workspaces and over 50 channels.

Cold: then both bots sit idle until distribution mode's caches have run out (installations 45 s,
Starleads connections 10 s), and each workspace's first command is sent, one at a time, alternating
between the bots (the single-workspace bot idled just as long). Repeated `--cold-rounds` times.

    .venv/bin/python benchmarks/distribution.py [--workspaces 20] [--rounds 5] [--sequential 60]
        [--concurrent 100] [--concurrency 10] [--cold-rounds 1]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.slash_command import CampaignCommands, cut_points, percentiles
from benchmarks.standin_process import cpu_seconds
from bot.slack.installations import INSTALLATION_TTL_SECONDS
from bot.workspaces.connections import CACHE_SECONDS
from tests.conftest import RunningBot, bot_environment
from tests.install_driver import distribution_settings, driver, install
from tests.slack_driver import SlackDriver
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import FakeStarleads

CHANNELS = 50
CACHES_RUN_OUT_SECONDS = max(INSTALLATION_TTL_SECONDS, CACHE_SECONDS) + 1


@dataclass
class Mode:
    """One bot, the workspaces Slack sends its commands from, and what was measured of it."""

    name: str
    bot: RunningBot
    workspaces: list[SlackDriver]
    figures: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    cpu_per_command: list[float] = field(default_factory=list)  # ms of the bot's CPU, one per round

    def commands(self, count: int, channel_prefix: str = "C0BENCH") -> list[tuple[SlackDriver, str]]:
        """`count` commands, round robin over the workspaces, each in one of the channels."""
        return [
            (self.workspaces[n % len(self.workspaces)], f"{channel_prefix}{n % CHANNELS:02d}")
            for n in range(count)
        ]


@dataclass(frozen=True)
class Plan:
    workspaces: int
    rounds: int
    sequential: int
    concurrent: int
    concurrency: int
    cold_rounds: int


def run(plan: Plan) -> None:
    slack_api, starleads = FakeSlack().start(), FakeStarleads().start()
    try:
        with modes(slack_api, starleads, plan.workspaces) as (single, distributed):
            commands = CampaignCommands(slack_api)
            for mode in (single, distributed):  # imports, auth.test, pools, SQLite files
                commands.one_at_a_time(mode.commands(20))
            for number in range(plan.rounds):
                for mode in (single, distributed) if number % 2 == 0 else (distributed, single):
                    measure_round(commands, mode, plan)
            for _ in range(plan.cold_rounds):
                measure_cold(commands, single, distributed, plan.workspaces)
            report(single, distributed, plan)
    finally:
        slack_api.stop()
        starleads.stop()


@contextmanager
def modes(slack_api: FakeSlack, starleads: FakeStarleads, workspaces: int) -> Iterator[tuple[Mode, Mode]]:
    """Both bots, each with a database of its own; the distributed one's workspaces installed."""
    with ExitStack() as stack:
        started = []
        for settings in ({}, distribution_settings()):
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            began = time.monotonic()
            env = bot_environment(slack_api, starleads, workdir, LOG_LEVEL="WARNING", **settings)
            bot = RunningBot(env, workdir)
            stack.callback(bot.stop)
            started.append((bot, (time.monotonic() - began) * 1000))
        (single_bot, single_start), (distributed_bot, distributed_start) = started
        print(
            f"cold start (process start → healthy): single {single_start:.0f} ms, "
            f"distribution {distributed_start:.0f} ms"
        )
        teams = [f"T0BENCH{number:04d}" for number in range(workspaces)]
        for team in teams:
            install(distributed_bot, slack_api, team)
        slack_api.clear()
        yield (
            Mode("single workspace", single_bot, [SlackDriver(single_bot.url, slack_api.response_url())]),
            Mode(
                f"distribution ({workspaces} workspaces)",
                distributed_bot,
                [driver(distributed_bot, slack_api, team) for team in teams],
            ),
        )


def measure_round(commands: CampaignCommands, mode: Mode, plan: Plan) -> None:
    commands.one_at_a_time(mode.commands(plan.workspaces))  # every workspace's caches fresh
    cpu_before = cpu_seconds(mode.bot.process.pid)
    acks, opened = commands.one_at_a_time(mode.commands(plan.sequential))
    mode.figures["one at a time: campaign ack"] += acks
    mode.figures["one at a time: sent → views.open"] += opened
    acks, opened = commands.at_once(mode.commands(plan.concurrent), plan.concurrency)
    mode.figures[f"{plan.concurrency} at a time: campaign ack"] += acks
    mode.figures[f"{plan.concurrency} at a time: sent → views.open"] += opened
    cpu_ms = (cpu_seconds(mode.bot.process.pid) - cpu_before) * 1000
    mode.cpu_per_command.append(cpu_ms / (plan.sequential + plan.concurrent))


def measure_cold(commands: CampaignCommands, single: Mode, distributed: Mode, workspaces: int) -> None:
    """Each workspace's first command once the caches ran out, alternating between the bots."""
    time.sleep(CACHES_RUN_OUT_SECONDS)
    firsts = {mode.name: mode.commands(workspaces, channel_prefix="C0COLD") for mode in (single, distributed)}
    for number in range(workspaces):
        for mode in (single, distributed) if number % 2 == 0 else (distributed, single):
            acks, opened = commands.one_at_a_time([firsts[mode.name][number]])
            mode.figures["cold, first after the caches ran out: campaign ack"] += acks
            mode.figures["cold, first after the caches ran out: sent → views.open"] += opened


def report(single: Mode, distributed: Mode, plan: Plan) -> None:
    print(
        f"{plan.rounds} rounds each, alternating; per round {plan.sequential} one at a time and "
        f"{plan.concurrent} at {plan.concurrency} at a time; {plan.cold_rounds} cold round(s) of "
        f"{plan.workspaces} (idle {CACHES_RUN_OUT_SECONDS:.0f} s before each)"
    )
    for figure, samples in single.figures.items():
        others = distributed.figures[figure]
        ratios = "  ".join(
            f"p{p} {b / a:.2f}×"
            for p, a, b in zip((50, 90, 99), _p50_90_99(samples), _p50_90_99(others), strict=True)
        )
        print(f"\n{figure}")
        print(f"  {single.name:<28} {percentiles(samples)}")
        print(f"  {distributed.name:<28} {percentiles(others)}")
        print(f"  {'ratio distribution / single':<28} {ratios}")

    cpu = [mode.cpu_per_command for mode in (single, distributed)]
    print("\nbot CPU per warm command (ms), one figure per round: min–max, mean")
    for mode, rounds in zip((single, distributed), cpu, strict=True):
        print(f"  {mode.name:<28} {min(rounds):.2f}–{max(rounds):.2f}, {statistics.mean(rounds):.2f}")
    print(f"  {'ratio distribution / single':<28} {statistics.mean(cpu[1]) / statistics.mean(cpu[0]):.2f}×")


def _p50_90_99(samples: list[float]) -> tuple[float, float, float]:
    cut = cut_points(samples)
    return cut[49], cut[89], cut[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspaces", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each bot, alternating")
    parser.add_argument("--sequential", type=int, default=60, help="commands one at a time per round")
    parser.add_argument("--concurrent", type=int, default=100, help="commands at once per round")
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--cold-rounds", type=int, default=1)
    arguments = parser.parse_args()
    run(Plan(**vars(arguments)))


if __name__ == "__main__":
    main()
