"""Load: the real server under bursts of slash commands and submissions while Starleads is slow.

Starts the Slack and Starleads stand-ins in a process of their own (their threads would otherwise
share the load generator's GIL), makes Starleads take 10 s per `POST /Campaign`, starts the real bot
(`python -m bot serve`) and measures:

- cold start: process start → first successful ack of a signed `/starleads help`;
- per round, all at once: 50 `/starleads campaign` commands (ack, and command → `views.open` at the
  Slack stand-in) and 20 submissions of forms opened beforehand (ack; their creates then hang 10 s);
- the bot's peak RSS (VmHWM) at the end;
- side by side with a minimal Bolt app (`benchmarks/minimal_bolt.py`, started on the same stand-ins
  and opening exactly the modal the bot opened, its JSON read once): rounds of 50 commands at once,
  alternating between the two apps, and the ratios ours / minimal of the ack's p50 and p99, of
  command → `views.open`'s p50 and p99, of the median over the bursts of each burst's last
  `views.open`, and of each app's CPU per burst; then the cold start of each (process start →
  `/healthz` 200), median of 5, alternating, each followed at once by a first `/starleads campaign`
  (its ack, and command → `views.open`), as the command that woke a sleeping dyno would be;
- with `--against TREE`: the same rounds and cold starts for the bot of another tree of this repository
  too (e.g. a `git worktree` of the commit before a change), taking turns with the other two, and the
  ratios ours / that bot: an A/B of a change within one run.

The apps reach Slack's stand-in through `prompt_front.PromptFront`, which stamps each call as it
arrives however many come at once (`--threaded-slack`: the threaded stand-in itself, as before).
The bot runs as in production: installed with its bytecode compiled (see `compile_bot`), metrics on,
`LOG_FORMAT=json`, `LOG_LEVEL=INFO`; on SQLite in a
temporary directory, or with `--database-url` in a PostgreSQL schema of its own in that database
(dropped afterwards), and with `--workers N` as `WEB_CONCURRENCY=N` worker processes (PostgreSQL
only): then the bot's CPU and RSS are those of all its processes.

Rounds start 5 s apart, so each burst also meets creates still hanging from the round before. Load
comes from one asyncio client (aiohttp, a new connection per request, as Slack's deliveries arrive).
The stand-ins' process and the load generator leave what they keep out of their garbage
collector's scans between bursts (`CollectorPauses`): their full collections paused them 50–180 ms in
mid-burst, the "slow burst now and then, for either app" of earlier figures; the longest pause left is
printed first. A failed ack is a non-200 answer or none within 3 s. The figures are printed next to
the issue's targets; nothing is asserted. Other busy processes on the machine skew them: the load
average before the run is printed first.

    .venv/bin/python benchmarks/load.py [--rounds 5] [--cold-starts 5] [--workers N --database-url URL]
        [--threaded-slack] [--against TREE]
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

import aiohttp
import httpx
from slack_sdk.signature import SignatureVerifier

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.prompt_front import PromptFront
from benchmarks.standin_process import CollectorPauses, StandInProcess, cpu_seconds
from tests.conftest import RunningBot, bot_environment, free_port, postgres_schema
from tests.slack_driver import SIGNING_SECRET, SlackDriver, form_state, unique_id
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import PHONE_AGENT, FakeStarleads

COMMANDS_PER_ROUND = 50
SUBMISSIONS_PER_ROUND = 20
CREATE_DELAY_SECONDS = 10.0
ROUND_PERIOD_SECONDS = 5.0
ACK_DEADLINE_SECONDS = 3.0  # Slack's: a later ack is a failed one
VIEWS_OPEN_WAIT_SECONDS = 10.0
VALID_FORM = {"name": "Load test", "agent_id": PHONE_AGENT, "phone_number": "01 23 45 67 89"}

# Targets from the issue, on the 2-core machine.
ACK_P99_MS = 100.0
VIEWS_OPEN_P99_MS = 300.0
COLD_START_MS = 1500.0
RSS_MB = 150.0
# Against the minimal Bolt app, in the same run (issue 12).
AS_FAST_RATIO = 1.1
COLD_START_RATIO = 1.3
MINIMAL_APP = Path(__file__).resolve().parent / "minimal_bolt.py"

Opened = dict[str, tuple[float, dict[str, Any]]]  # trigger ID → (arrival time, view)


# The stand-ins' process ---------------------------------------------------------------------------
def serve_stand_ins(pipe: Connection, workdir: str, threaded_slack: bool) -> None:
    """Run both stand-ins; send the bot's environment, then answer `(trigger IDs, timeout)` with the
    views opened for them, until None comes, which is answered with the number of creates received
    and the process's longest garbage-collector pause. The apps reach Slack's Web API through a
    `PromptFront` (see there why), unless `threaded_slack`."""
    pauses = CollectorPauses()
    slack, starleads = FakeSlack().start(), FakeStarleads().start()
    starleads.create_delay_seconds = CREATE_DELAY_SECONDS
    front = None if threaded_slack else PromptFront(slack).start()
    try:
        # Starleads' own client timeout (20 s by default), not the tests' 1.5 s: creates really hang.
        env = bot_environment(
            slack,
            starleads,
            Path(workdir),
            LOG_LEVEL="INFO",
            LOG_FORMAT="json",
            STARLEADS_TIMEOUT_SECONDS="20",
        )
        response_url = slack.response_url()
        if front is not None:  # response URLs too: the bot trusts those on the Web API's host only
            env["SLACK_API_URL"] = f"{front.url}/api/"
            response_url = response_url.replace(slack.url, front.url, 1)
        pipe.send((env, response_url))
        opened = ViewsOpened(slack)
        while (request := pipe.recv()) is not None:
            triggers, timeout = request
            pipe.send(opened.wait(triggers, timeout))
            pauses.between_bursts()
        pipe.send((len(starleads.creates()), pauses.longest_ms))
    finally:
        if front is not None:
            front.stop()
        slack.stop()
        starleads.stop()


class ViewsOpened:
    """The bot's `views.open` calls by trigger ID, read incrementally from the Slack stand-in's log."""

    def __init__(self, slack: FakeSlack) -> None:
        self._slack = slack
        self._read = 0
        self._by_trigger: Opened = {}

    def wait(self, triggers: list[str], timeout: float) -> Opened:
        """Those of `triggers` whose view was opened, once all were or `timeout` has passed."""
        deadline = time.monotonic() + timeout
        while True:
            fresh = self._slack.requests[self._read :]
            self._read += len(fresh)
            for recorded in fresh:
                if recorded.path == "/api/views.open":
                    params = recorded.json()
                    self._by_trigger[params["trigger_id"]] = (recorded.received_at, params["view"])
            if all(t in self._by_trigger for t in triggers) or time.monotonic() > deadline:
                return {t: self._by_trigger[t] for t in triggers if t in self._by_trigger}
            time.sleep(0.02)


class StandIns(StandInProcess):
    """The parent's end of the stand-ins' process."""

    def __init__(self, workdir: str, threaded_slack: bool = False) -> None:
        super().__init__(serve_stand_ins, workdir, threaded_slack)

    def views_opened(self, triggers: list[str]) -> Opened:
        return self.ask((triggers, VIEWS_OPEN_WAIT_SECONDS), timeout=VIEWS_OPEN_WAIT_SECONDS + 10)


# The bot ------------------------------------------------------------------------------------------
class ColdStartedBot(RunningBot):
    """The real bot; it counts as started at its first successful ack of `/starleads help`."""

    def __init__(self, env: dict[str, str], workdir: Path, response_url: str) -> None:
        self._response_url = response_url
        self._started = time.monotonic()
        self.cold_start_ms = 0.0
        super().__init__(env, workdir)

    def _wait_until_serving(self, ready_statuses: tuple[int, ...], timeout: float = 20) -> None:
        driver = SlackDriver(self.url, self._response_url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the bot exited early:\n{self.log()}")
            try:
                if driver.command("help").status_code == 200:
                    self.cold_start_ms = (time.monotonic() - self._started) * 1000
                    return
            except httpx.HTTPError:
                time.sleep(0.01)
        raise RuntimeError(f"the bot did not ack /starleads help within {timeout} s:\n{self.log()}")

    def memory_mb(self) -> tuple[float, float]:
        """(peak RSS, current RSS) in MB, from /proc, summed over the bot's processes (each one's peak)."""
        peak, current = 0.0, 0.0
        for pid in process_tree(self.process.pid):
            status = Path(f"/proc/{pid}/status").read_text()
            kilobytes = {
                line.split(":")[0]: int(line.split()[1])
                for line in status.splitlines()
                if line.startswith("Vm")
            }
            peak, current = peak + kilobytes["VmHWM"] / 1024, current + kilobytes["VmRSS"] / 1024
        return peak, current

    def cpu_seconds(self) -> float:
        """User + system CPU time the bot has used (all its threads, all its processes)."""
        return sum(cpu_seconds(pid) for pid in process_tree(self.process.pid))


def process_tree(pid: int) -> list[int]:
    """The process and its descendants (with WEB_CONCURRENCY, the workers), from /proc."""
    tree = [pid]
    for parent in tree:  # grows as children are found
        for task in Path(f"/proc/{parent}/task").iterdir():
            with contextlib.suppress(FileNotFoundError):
                tree += [int(child) for child in (task / "children").read_text().split()]
    return tree


# Load ---------------------------------------------------------------------------------------------
@dataclass
class Figures:
    load_average: float  # 1-minute, before the run
    bot_setup: str  # its processes and database
    load: Answers = field(default_factory=lambda: Answers())
    bot_cpu_ms: list[float] = field(default_factory=list)  # per burst, until its last views.open
    generator_cpu_ms: list[float] = field(default_factory=list)
    cold_start_ms: float = 0.0
    peak_rss_mb: float = 0.0
    rss_mb: float = 0.0
    creates: int = 0  # as received by the Starleads stand-in
    # The longest garbage-collector pause of the stand-ins' process and of the load generator, in ms.
    collector_pauses: tuple[float, float] = (0.0, 0.0)
    # Side by side, by app: "ours", "minimal" and, with --against, "against".
    side_by_side: dict[str, Answers] = field(default_factory=dict)
    starts: dict[str, ColdStarts] = field(default_factory=dict)
    against: str | None = None  # the tree --against named


class Slack:
    """Sends signed requests to the bot as Slack does, and times their acks."""

    def __init__(self, bot_url: str, response_url: str, session: aiohttp.ClientSession) -> None:
        self._events_url = f"{bot_url}/slack/events"
        self._response_url = response_url
        self._session = session
        self._verifier = SignatureVerifier(SIGNING_SECRET)

    def command(self, trigger_id: str) -> str:
        """The body of a `/starleads campaign` typed in a channel of its own."""
        return urlencode(
            {
                "team_id": "T0001",
                "channel_id": unique_id("C"),
                "user_id": "U0ALICE",
                "command": "/starleads",
                "text": "campaign",
                "api_app_id": "A0001",
                "response_url": self._response_url,
                "trigger_id": trigger_id,
            }
        )

    def submission(self, view: dict[str, Any]) -> str:
        """A valid submission of `view` (a modal the bot opened)."""
        payload = {
            "type": "view_submission",
            "team": {"id": "T0001"},
            "user": {"id": "U0ALICE"},
            "api_app_id": "A0001",
            "trigger_id": unique_id("trigger."),
            "view": {**view, "state": {"values": form_state(view, VALID_FORM)}},
        }
        return urlencode({"payload": json.dumps(payload)})

    async def ack_ms(self, body: str, failures: Counter[str], expect_update: bool = False) -> float | None:
        """Post `body`; the ack's latency in ms, or None (and a failure counted) if it failed."""
        stamp = str(int(time.time()))
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": stamp,
            "x-slack-signature": self._verifier.generate_signature(timestamp=stamp, body=body),
        }
        started = time.monotonic()
        try:
            async with self._session.post(self._events_url, data=body.encode(), headers=headers) as response:
                answer = await response.read()
        except (aiohttp.ClientError, TimeoutError) as error:
            failures[type(error).__name__] += 1
            return None
        elapsed = (time.monotonic() - started) * 1000
        if response.status != 200:
            failures[f"HTTP {response.status}"] += 1
            return None
        if expect_update and json.loads(answer).get("response_action") != "update":
            failures["submission not accepted"] += 1
            return None
        return elapsed


async def open_forms(slack: Slack, stand_ins: StandIns, count: int) -> list[dict[str, Any]]:
    """Open `count` forms (untimed set-up) and return them with the view IDs Slack would give."""
    triggers = [unique_id("trigger.") for _ in range(count)]
    failures: Counter[str] = Counter()
    await asyncio.gather(*(slack.ack_ms(slack.command(t), failures) for t in triggers))
    opened = await asyncio.to_thread(stand_ins.views_opened, triggers)
    if failures or len(opened) < count:
        raise RuntimeError(f"set-up: {len(opened)} of {count} forms opened; failures {dict(failures)}")
    return [{**view, "id": unique_id("V")} for _, view in opened.values()]


@dataclass
class Answers:
    """One app's latencies over the bursts sent to it, in ms."""

    command_acks: list[float] = field(default_factory=list)
    submission_acks: list[float] = field(default_factory=list)
    views_open: list[float] = field(default_factory=list)
    views_open_missing: int = 0
    failures: Counter[str] = field(default_factory=Counter)  # failed acks, by reason
    cpu_ms: list[float] = field(default_factory=list)  # the app's, per burst, until its last views.open
    last_views_open: list[float] = field(default_factory=list)  # per burst: its slowest command → views.open


async def commands_at_once(
    slack: Slack, stand_ins: StandIns, answers: Answers, forms: list[dict[str, Any]] | None = None
) -> None:
    """All at once: `COMMANDS_PER_ROUND` commands and a submission of each of `forms`; then each
    command's `views.open`."""
    CollectorPauses.between_bursts()
    triggers = [unique_id("trigger.") for _ in range(COMMANDS_PER_ROUND)]
    commands = [slack.command(t) for t in triggers]
    submissions = [slack.submission(form) for form in forms or []]
    sent_at = time.monotonic()
    acks = await asyncio.gather(
        *(slack.ack_ms(body, answers.failures) for body in commands),
        *(slack.ack_ms(body, answers.failures, expect_update=True) for body in submissions),
    )
    answers.command_acks += [ms for ms in acks[: len(commands)] if ms is not None]
    answers.submission_acks += [ms for ms in acks[len(commands) :] if ms is not None]
    opened = await asyncio.to_thread(stand_ins.views_opened, triggers)
    latencies = [(arrived - sent_at) * 1000 for arrived, _ in opened.values()]
    answers.views_open += latencies
    answers.last_views_open.append(max(latencies, default=0.0))
    answers.views_open_missing += len(triggers) - len(opened)


async def burst(
    slack: Slack, stand_ins: StandIns, bot: ColdStartedBot, forms: list[dict[str, Any]], figures: Figures
) -> None:
    """The commands and the submissions at once, with the CPU each side spent on them."""
    bot_cpu, generator_cpu = bot.cpu_seconds(), time.process_time()
    await commands_at_once(slack, stand_ins, figures.load, forms)
    figures.bot_cpu_ms.append((bot.cpu_seconds() - bot_cpu) * 1000)
    figures.generator_cpu_ms.append((time.process_time() - generator_cpu) * 1000)


def client_session() -> aiohttp.ClientSession:
    """Slack's side: a new connection per request, as Slack's deliveries arrive."""
    timeout = aiohttp.ClientTimeout(total=ACK_DEADLINE_SECONDS)
    return aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(force_close=True, limit=0))


async def generate_load(bot: ColdStartedBot, stand_ins: StandIns, rounds: int, figures: Figures) -> None:
    """`rounds` bursts, each on forms opened just before it, one every `ROUND_PERIOD_SECONDS`."""
    async with client_session() as session:
        slack = Slack(bot.url, stand_ins.response_url, session)
        next_burst = time.monotonic()
        for _ in range(rounds):
            forms = await open_forms(slack, stand_ins, SUBMISSIONS_PER_ROUND)
            await asyncio.sleep(max(0.0, next_burst - time.monotonic()))
            next_burst = time.monotonic() + ROUND_PERIOD_SECONDS
            await burst(slack, stand_ins, bot, forms, figures)


# Side by side with the minimal Bolt app -----------------------------------------------------------
class MinimalApp:
    """`benchmarks/minimal_bolt.py` on the stand-ins, opening `modal` (written to `workdir`)."""

    def __init__(self, bot_env: dict[str, str], workdir: Path, modal: dict[str, Any]) -> None:
        modal_file = workdir / "modal.json"
        modal_file.write_text(json.dumps(modal))
        self.env = {**bot_env, "MODAL_FILE": str(modal_file), "PORT": str(free_port())}
        self.url = f"http://127.0.0.1:{self.env['PORT']}"
        self.process = subprocess.Popen([sys.executable, str(MINIMAL_APP)], env=self.env)
        wait_for_health(self.url, self.process)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def wait_for_health(url: str, process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Poll `GET /healthz` until it answers 200 (every 5 ms: the poll's period bounds the precision)."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=1) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{url}: the process exited early")
            try:
                if client.get(f"{url}/healthz").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.005)
    raise RuntimeError(f"{url} did not become healthy within {timeout} s")


async def modal_opened_by(bot: ColdStartedBot, stand_ins: StandIns) -> dict[str, Any]:
    """The modal the bot opens for a bare `/starleads campaign`, as Slack's `views.open` receives it."""
    async with client_session() as session:
        (form,) = await open_forms(Slack(bot.url, stand_ins.response_url, session), stand_ins, 1)
    return {key: value for key, value in form.items() if key != "id"}


class Contender(Protocol):
    """An app in the side-by-side rounds."""

    url: str

    def cpu_seconds(self) -> float: ...

    def stop(self) -> None: ...


async def side_by_side(
    contenders: dict[str, Contender], stand_ins: StandIns, rounds: int
) -> dict[str, Answers]:
    """Rounds of commands at once, taking turns between the apps (each goes first in its turn), with
    the CPU each app spent on each burst."""
    answers = {name: Answers() for name in contenders}
    async with client_session() as session:
        apps = [
            (Slack(app.url, stand_ins.response_url, session), answers[name], app.cpu_seconds)
            for name, app in contenders.items()
        ]
        for _ in range(2):  # warm-up, unmeasured: connections, caches
            for slack, _answers, _cpu in apps:
                await commands_at_once(slack, stand_ins, Answers())
        for round_number in range(rounds):
            first = round_number % len(apps)
            for slack, app_answers, cpu in apps[first:] + apps[:first]:
                cpu_before = cpu()
                await commands_at_once(slack, stand_ins, app_answers)
                app_answers.cpu_ms.append((cpu() - cpu_before) * 1000)
                await asyncio.sleep(1.0)  # let the app's work after the burst finish
    return answers


@dataclass
class ColdStarts:
    """One app's cold starts, in ms: process start → `/healthz` 200, then its first command."""

    healthy: list[float] = field(default_factory=list)
    first_ack: list[float] = field(default_factory=list)
    first_views_open: list[float] = field(default_factory=list)  # command sent → `views.open`


def cold_starts(
    commands: dict[str, tuple[list[str], dict[str, str]]], workdir: Path, count: int, stand_ins: StandIns
) -> dict[str, ColdStarts]:
    """Process start → `/healthz` 200 of each app (its command and environment), then a first command,
    `count` times, taking turns (the bots' databases are already migrated, as a restarted dyno's is)."""
    starts = {name: ColdStarts() for name in commands}
    names = list(commands)
    for index in range(count):
        first = index % len(names)
        for name in names[first:] + names[:first]:
            (command, env), samples = commands[name], starts[name]
            env = {**env, "PORT": str(free_port())}
            started = time.monotonic()
            process = subprocess.Popen(
                command, cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            try:
                url = f"http://127.0.0.1:{env['PORT']}"
                wait_for_health(url, process)
                samples.healthy.append((time.monotonic() - started) * 1000)
                asyncio.run(first_command(url, stand_ins, samples))
            finally:
                process.terminate()
                process.wait(timeout=30)
    return starts


async def first_command(url: str, stand_ins: StandIns, samples: ColdStarts) -> None:
    """`/starleads campaign` sent the moment `/healthz` says 200: its ack, and command → `views.open`."""
    trigger, failures = unique_id("trigger."), Counter[str]()
    async with client_session() as session:
        slack = Slack(url, stand_ins.response_url, session)
        sent_at = time.monotonic()
        ack_ms = await slack.ack_ms(slack.command(trigger), failures)
    opened = await asyncio.to_thread(stand_ins.views_opened, [trigger])
    if ack_ms is None or trigger not in opened:
        raise RuntimeError(f"{url}: the first command failed: {dict(failures)}, views opened {len(opened)}")
    samples.first_ack.append(ack_ms)
    samples.first_views_open.append((opened[trigger][0] - sent_at) * 1000)


# Report -------------------------------------------------------------------------------------------
def verdict(value: float, limit: float) -> str:
    return "met" if value <= limit else "NOT met"


def latency_line(label: str, samples: list[float], target_p99: float, missing: int = 0) -> str:
    """p50/p99/max against the target; a sample that never came (`missing`) fails the target."""
    if len(samples) < 2:
        return f"{label:<28} {len(samples)} sample(s), {missing} missing: NOT met"
    ordered = sorted(samples)
    p50, p99 = statistics.quantiles(ordered, n=100, method="inclusive")[49:99:49]
    counted = f"n={len(ordered)}" + (f", {missing} never came" if missing else "")
    met = verdict(p99, target_p99) if not missing else "NOT met"
    return (
        f"{label:<28} p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  max {ordered[-1]:7.1f} ms  ({counted})"
        f"   target p99 ≤ {target_p99:.0f} ms: {met}"
    )


def report(figures: Figures, rounds: int) -> None:
    load = figures.load
    sent = rounds * (COMMANDS_PER_ROUND + SUBMISSIONS_PER_ROUND)
    failed = load.failures.total()
    print(f"load average before the run: {figures.load_average:.2f}; the bot: {figures.bot_setup}")
    print(
        "the instruments' longest garbage-collector pause (frozen between bursts): stand-ins "
        f"{figures.collector_pauses[0]:.0f} ms, load generator {figures.collector_pauses[1]:.0f} ms"
    )
    print(
        f"{rounds} rounds of {COMMANDS_PER_ROUND} slash commands + {SUBMISSIONS_PER_ROUND} submissions "
        f"at once, {ROUND_PERIOD_SECONDS:.0f} s apart; Starleads takes {CREATE_DELAY_SECONDS:.0f} s "
        f"per create ({figures.creates} creates received)"
    )
    print(latency_line("slash-command ack", load.command_acks, ACK_P99_MS))
    print(latency_line("submission ack", load.submission_acks, ACK_P99_MS))
    print(latency_line("command → views.open", load.views_open, VIEWS_OPEN_P99_MS, load.views_open_missing))
    print(
        f"{'cold start (→ first ack)':<28} {figures.cold_start_ms:7.0f} ms"
        f"   target ≤ {COLD_START_MS:.0f} ms: {verdict(figures.cold_start_ms, COLD_START_MS)}"
    )
    print(
        f"{'peak RSS (VmHWM)':<28} {figures.peak_rss_mb:7.1f} MB (VmRSS at the end {figures.rss_mb:.1f} MB)"
        f"   target ≤ {RSS_MB:.0f} MB: {verdict(figures.peak_rss_mb, RSS_MB)}"
    )
    print(
        f"{'failed acks':<28} {failed} of {sent}"
        f"   target 0: {verdict(failed, 0)}   {dict(load.failures) or ''}"
    )
    print(
        f"{'CPU per burst (mean)':<28} bot {statistics.mean(figures.bot_cpu_ms):.0f} ms, "
        f"load generator {statistics.mean(figures.generator_cpu_ms):.0f} ms "
        "(from the burst's start to its last views.open; 2 cores in all)"
    )
    report_side_by_side(figures, rounds)


def report_side_by_side(figures: Figures, rounds: int) -> None:
    print(
        f"\nside by side: {rounds} rounds each of {COMMANDS_PER_ROUND} commands at once, taking turns"
        + (f"; 'against' is the bot of {figures.against}" if figures.against else "")
    )
    for name, answers in figures.side_by_side.items():
        print(latency_line(f"{name}: command ack", answers.command_acks, ACK_P99_MS))
        print(
            latency_line(
                f"{name}: → views.open", answers.views_open, VIEWS_OPEN_P99_MS, answers.views_open_missing
            )
        )
        if answers.failures:
            print(f"{name}: failed acks {dict(answers.failures)}")
    for other, goal in (("minimal", AS_FAST_RATIO), ("against", None)):
        if other in figures.side_by_side:
            report_burst_ratios(figures.side_by_side["ours"], figures.side_by_side[other], other, goal)
    for other, goal in (("minimal", COLD_START_RATIO), ("against", None)):
        if other in figures.starts:
            report_start_ratios(figures.starts["ours"], figures.starts[other], other, goal)


def report_burst_ratios(ours: Answers, theirs: Answers, other: str, goal: float | None) -> None:
    """Ours against `other`'s bursts: the ratios of the acks' and `views.open`'s p50 and p99 (against
    the issue's `goal`, if any), of a burst's last `views.open` and of the CPU per burst."""
    ratios = [
        ("command ack p50", ours.command_acks, theirs.command_acks, 49),
        ("command ack p99", ours.command_acks, theirs.command_acks, 98),
        ("command → views.open p50", ours.views_open, theirs.views_open, 49),
        ("command → views.open p99", ours.views_open, theirs.views_open, 98),
    ]
    for label, our_samples, their_samples, cut in ratios:
        ratio = percentile(our_samples, cut) / percentile(their_samples, cut)
        print(
            f"ratio ours / {other}, {label:<26} {ratio:5.2f}×"
            + (f"   goal ≤ {goal}×: {verdict(ratio, goal)}" if goal else "")
        )
    our_last, their_last = statistics.median(ours.last_views_open), statistics.median(theirs.last_views_open)
    print(
        f"a burst's last views.open, median of {len(ours.last_views_open)} bursts: ours {our_last:.0f} ms, "
        f"{other} {their_last:.0f} ms; ratio {our_last / their_last:.2f}× (how a typical burst ends; "
        "the p99 is its few slowest commands')"
    )
    our_cpu, their_cpu = statistics.mean(ours.cpu_ms), statistics.mean(theirs.cpu_ms)
    print(
        f"CPU per burst (mean): ours {our_cpu:.0f} ms, {other} {their_cpu:.0f} ms; "
        f"ratio {our_cpu / their_cpu:.2f}× (/proc's 10 ms ticks: read it over many rounds)"
    )


def report_start_ratios(ours: ColdStarts, theirs: ColdStarts, other: str, goal: float | None) -> None:
    for label, our_samples, their_samples, line_goal in (
        ("cold start (→ /healthz 200)", ours.healthy, theirs.healthy, goal),
        ("then the first command's ack", ours.first_ack, theirs.first_ack, None),
        ("and its command → views.open", ours.first_views_open, theirs.first_views_open, None),
    ):
        ours_ms, their_ms = statistics.median(our_samples), statistics.median(their_samples)
        print(
            f"{label}, median of {len(our_samples)}: ours {ours_ms:.0f} ms "
            f"({min(our_samples):.0f}–{max(our_samples):.0f}), {other} {their_ms:.0f} ms "
            f"({min(their_samples):.0f}–{max(their_samples):.0f}); ratio {ours_ms / their_ms:.2f}×"
            + (f"   goal ≤ {line_goal}×: {verdict(ours_ms / their_ms, line_goal)}" if line_goal else "")
        )


def percentile(samples: list[float], cut: int) -> float:
    """The `cut`+1-th percentile (49: p50, 98: p99)."""
    return statistics.quantiles(sorted(samples), n=100, method="inclusive")[cut]


def compile_bot(env: dict[str, str], workdir: Path) -> Path:
    """Write the bytecode of the `bot` package the bot's processes will import (`PYTHONPATH` may name
    another tree), as `pip install .` (the README's install) does for what it installs. Without it, an
    editable install under this machine's PYTHONDONTWRITEBYTECODE=1 compiles ~100 modules at every
    start (~100 ms), which no installed bot does, while the minimal app's libraries come compiled."""
    where = "import bot, pathlib; print(pathlib.Path(bot.__file__).parent)"
    found = subprocess.run(
        [sys.executable, "-c", where], cwd=workdir, env=env, capture_output=True, text=True, check=True
    )
    package = Path(found.stdout.strip())
    compileall.compile_dir(package, quiet=1)
    return package


def run(
    rounds: int,
    cold_start_count: int,
    workers: int,
    database_url: str | None,
    threaded_slack: bool,
    against: Path | None,
) -> None:
    database = "PostgreSQL, a schema of its own" if database_url else "SQLite"
    slack = "the threaded Slack stand-in" if threaded_slack else "Slack's stand-in behind the prompt front"
    figures = Figures(
        load_average=os.getloadavg()[0],
        bot_setup=f"WEB_CONCURRENCY={workers}, {database}, {slack}",
        against=str(against) if against else None,
    )
    generator_pauses = CollectorPauses()
    with tempfile.TemporaryDirectory() as temporary, contextlib.ExitStack() as schemas:
        workdir = Path(temporary)
        stand_ins = StandIns(temporary, threaded_slack)

        def bot_env(name: str, tree: Path | None) -> dict[str, str]:
            """A bot's settings: its own database, and its code from `tree` (else this checkout's)."""
            env = {**stand_ins.env, "WEB_CONCURRENCY": str(workers), "PORT": str(free_port())}
            (workdir / name).mkdir()
            env["DATABASE_URL"] = (
                schemas.enter_context(postgres_schema(f"load_{name}", database_url))
                if database_url
                else f"sqlite:///{workdir / name / 'bot.db'}"
            )
            if tree is not None:
                env["PYTHONPATH"] = str(tree)
            return env

        envs = {"ours": bot_env("ours", None)} | ({"against": bot_env("against", against)} if against else {})
        figures.bot_setup += f", bytecode compiled in {compile_bot(envs['ours'], workdir)}"
        if "against" in envs:
            compile_bot(envs["against"], workdir)
        try:
            bot = ColdStartedBot(envs["ours"], workdir / "ours", stand_ins.response_url)
            try:
                figures.cold_start_ms = bot.cold_start_ms
                minimal = MinimalApp(stand_ins.env, workdir, asyncio.run(modal_opened_by(bot, stand_ins)))
                others: dict[str, Contender] = {"minimal": minimal}
                try:
                    if "against" in envs:
                        others["against"] = ColdStartedBot(
                            envs["against"], workdir / "against", stand_ins.response_url
                        )
                    contenders = {"ours": bot} | others
                    figures.side_by_side = asyncio.run(side_by_side(contenders, stand_ins, rounds))
                finally:
                    for other in others.values():
                        other.stop()
                asyncio.run(generate_load(bot, stand_ins, rounds, figures))
                figures.peak_rss_mb, figures.rss_mb = bot.memory_mb()
            finally:
                bot.stop()
            bot_command = [sys.executable, "-m", "bot", "serve"]
            commands = {name: (bot_command, env) for name, env in envs.items()}
            commands["minimal"] = ([sys.executable, str(MINIMAL_APP)], minimal.env)
            figures.starts = cold_starts(commands, workdir, cold_start_count, stand_ins)
        finally:
            figures.creates, stand_ins_pause = stand_ins.stop()
            figures.collector_pauses = (stand_ins_pause, generator_pauses.longest_ms)
    report(figures, rounds)


def main() -> None:
    # A plain `kill` should stop the bot and the stand-ins too: turn it into an exit that runs `finally`.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cold-starts", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1, help="the bot's WEB_CONCURRENCY")
    parser.add_argument("--database-url", help="a PostgreSQL database (default: SQLite)")
    parser.add_argument(
        "--threaded-slack",
        action="store_true",
        help="call the threaded Slack stand-in itself, as before the prompt front (see prompt_front.py)",
    )
    parser.add_argument(
        "--against",
        type=Path,
        help="another tree of this repository (e.g. a `git worktree` of an earlier commit): its bot takes "
        "turns with ours and the minimal app in the side-by-side rounds and cold starts, for an A/B",
    )
    arguments = parser.parse_args()
    if min(arguments.rounds, arguments.cold_starts, arguments.workers) < 1:
        parser.error("--rounds, --cold-starts and --workers must be at least 1")
    if arguments.workers > 1 and not arguments.database_url:
        parser.error("--workers above 1 needs --database-url (PostgreSQL)")
    run(
        arguments.rounds,
        arguments.cold_starts,
        arguments.workers,
        arguments.database_url,
        arguments.threaded_slack,
        arguments.against.resolve() if arguments.against else None,
    )


if __name__ == "__main__":
    main()
