"""`WEB_CONCURRENCY=2 starleads-bot serve` on PostgreSQL: two worker processes behind one port serve
Slack's commands and submissions end to end, `/metrics` on either adds up both, and SIGTERM to the
parent stops every process. (The refusals, on SQLite and in Socket Mode, are in test_config.py.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from uvicorn.config import STARTUP_FAILURE

from tests.call_results_driver import CAMPAIGN_FORM
from tests.conftest import RunningBot, bot_environment, open_form, postgres_schema
from tests.metrics_page import scrape, value
from tests.slack_driver import SlackDriver, unique_id
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import FakeStarleads
from tests.standins.tcp_relay import TcpRelay

WORKERS = 2
FORMS_PER_WORKER = 4


@pytest.fixture(scope="module")
def workers(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningBot]:
    """The bot with two workers, once both have said they are ready."""
    workdir = tmp_path_factory.mktemp("workers")
    with postgres_schema("workers") as database_url:
        env = bot_environment(
            fake_slack,
            fake_starleads,
            workdir,
            DATABASE_URL=database_url,
            WEB_CONCURRENCY=str(WORKERS),
            LOG_FORMAT="json",
        )
        bot = RunningBot(env, workdir)
        try:
            bot.wait_for_lines("ready", WORKERS, timeout=20)
            yield bot
        finally:
            bot.stop()


@contextmanager
def paused(process: int) -> Iterator[None]:
    """Worker `process` stopped: only the other one accepts connections meanwhile. Kept short, since
    uvicorn's parent kills a worker that misses its 5 s health check."""
    os.kill(process, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(process, signal.SIGCONT)


def create_through_the_other_worker(
    workers: RunningBot, fake_slack: FakeSlack, passed_over: int
) -> list[tuple[str, str]]:
    """Open and submit forms, each in a channel of its own with a name of its own, over one kept-alive
    connection that the worker other than `passed_over` accepted: (channel, name) of each."""
    slack = SlackDriver(workers.url, fake_slack.response_url())  # a connection of its own
    forms = [(unique_id("C"), f"Campaign {unique_id('N')}") for _ in range(FORMS_PER_WORKER)]
    with paused(passed_over):
        views = [open_form(slack, fake_slack, forms[0][0])]
    views += [open_form(slack, fake_slack, channel) for channel, _ in forms[1:]]
    for view, (_, name) in zip(views, forms, strict=True):
        assert slack.submit(view, {**CAMPAIGN_FORM, "name": name}).json()["response_action"] == "update"
    return forms


def test_both_workers_serve_commands_and_submissions_and_either_one_s_metrics_add_up_both(
    workers: RunningBot, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_slack.reset()
    fake_starleads.reset()
    processes = {line["process"] for line in workers.log_lines("ready")}
    made = [
        form
        for process in processes
        for form in create_through_the_other_worker(workers, fake_slack, process)
    ]
    creating = {line["process"] for line in workers.wait_for_lines("campaign_create", len(made), timeout=20)}
    assert creating == processes  # each worker created the campaigns submitted to it

    creates = [request.json()["name"] for request in fake_starleads.wait_creates(count=len(made))]
    assert sorted(creates) == sorted(name for _, name in made)  # each campaign created once
    for channel, name in made:
        (card,) = fake_slack.wait_timed("chat.postMessage", lambda call, c=channel: call.get("channel") == c)
        assert name in card[1]["text"]
    # Whichever worker answers a scrape, it counts every worker's acks and creates.
    for _ in range(2 * WORKERS):
        samples = scrape(workers)
        assert value(samples, "starleads_bot_slack_ack_seconds_count", kind="command") == len(made)
        assert value(samples, "starleads_bot_slack_ack_seconds_count", kind="submission") == len(made)
        assert value(samples, "starleads_bot_campaign_creates_total", outcome="created") == len(made)


def test_sigterm_to_the_parent_stops_every_worker_and_removes_the_metrics_directory(
    workers: RunningBot,
) -> None:
    (serving,) = workers.log_lines("serving")
    assert serving["workers"] == WORKERS
    processes = {line["process"] for line in workers.log_lines("ready")}
    assert len(processes) == WORKERS
    assert Path(serving["metrics_directory"]).is_dir()

    workers.process.terminate()

    assert workers.process.wait(timeout=40) == 0
    finished = workers.log()
    for process in processes:
        assert f"Finished server process [{process}]" in finished
        with pytest.raises(ProcessLookupError):
            os.kill(process, 0)
    assert not Path(serving["metrics_directory"]).exists()


def test_when_a_worker_cannot_start_the_parent_stops_them_all_and_exits_failed(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path: Path
) -> None:
    with postgres_schema("workers_fail") as database_url:
        # The parent checks and upgrades the database over one connection; the workers find it gone.
        _, through_relay = TcpRelay.in_front_of(database_url, connections=1)
        env = bot_environment(
            fake_slack, fake_starleads, tmp_path, DATABASE_URL=through_relay, WEB_CONCURRENCY=str(WORKERS)
        )
        finished = subprocess.run(
            [sys.executable, "-m", "bot", "serve"], env=env, cwd=tmp_path, capture_output=True, timeout=60
        )

    assert finished.returncode == STARTUP_FAILURE  # not 0: the platform sees a start that failed
    said = finished.stdout.decode() + finished.stderr.decode()
    assert "starleads-bot: configuration error: DATABASE_URL cannot be opened (OperationalError)" in said
    assert "Traceback" not in said
