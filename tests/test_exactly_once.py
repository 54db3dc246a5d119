"""One campaign per form, with two bot processes on one PostgreSQL database, and across a crash."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import RunningBot, bot_environment, open_form, postgres_schema
from tests.slack_driver import SlackDriver
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import PHONE_AGENT, FakeStarleads

VALID = {"name": "Relance Q4", "agent_id": PHONE_AGENT, "phone_number": "01 23 45 67 89"}


class Bots:
    """Two `starleads-bot serve` processes behind the same Slack app, sharing one PostgreSQL database (a
    schema of their own: notes and results other tests leave due in the shared one can't reach them)."""

    def __init__(
        self, fake_slack: FakeSlack, fake_starleads: FakeStarleads, workdir: Path, database_url: str
    ) -> None:
        self._stand_ins = fake_slack, fake_starleads
        self._workdir = workdir
        self.database_url = database_url
        self.first, self.second = self.start("first"), self.start("second")

    def start(self, name: str) -> RunningBot:
        folder = self._workdir / name
        folder.mkdir(exist_ok=True)
        return RunningBot(bot_environment(*self._stand_ins, folder, DATABASE_URL=self.database_url), folder)

    def driver(self, bot: RunningBot) -> SlackDriver:
        return SlackDriver(bot.url, self._stand_ins[0].response_url())


@pytest.fixture(scope="module")
def bots(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Bots]:
    with postgres_schema("exactly_once") as database_url:
        pair = Bots(fake_slack, fake_starleads, tmp_path_factory.mktemp("two-bots"), database_url)
        yield pair
        pair.first.stop()
        pair.second.stop()


@pytest.fixture
def stand_ins(fake_slack: FakeSlack, fake_starleads: FakeStarleads) -> tuple[FakeSlack, FakeStarleads]:
    fake_slack.reset()
    fake_starleads.reset()
    return fake_slack, fake_starleads


def test_the_same_form_sent_to_two_processes_at_once_creates_one_campaign(
    bots: Bots, stand_ins: tuple[FakeSlack, FakeStarleads]
) -> None:
    fake_slack, fake_starleads = stand_ins
    fake_starleads.create_delay_seconds = 0.5
    drivers = [bots.driver(bots.first), bots.driver(bots.second)]
    view = open_form(drivers[0], fake_slack)

    with ThreadPoolExecutor(8) as pool:
        acks = list(pool.map(lambda n: drivers[n % 2].submit(view, VALID), range(8)))

    assert all(a.status_code == 200 and a.json()["response_action"] == "update" for a in acks)
    fake_slack.wait_call("chat.postMessage")
    assert len(fake_starleads.creates()) == 1
    assert len(fake_slack.calls("chat.postMessage")) == 1


def test_a_form_sent_again_after_a_crash_does_not_create_a_second_campaign(
    bots: Bots, stand_ins: tuple[FakeSlack, FakeStarleads]
) -> None:
    fake_slack, fake_starleads = stand_ins
    fake_starleads.create_delay_seconds = 3
    view = open_form(bots.driver(bots.first), fake_slack)
    bots.driver(bots.first).submit(view, VALID)
    fake_starleads.wait_creates()

    os.kill(
        bots.first.process.pid, signal.SIGKILL
    )  # mid-create: Starleads has the request, we never hear back
    bots.first.process.wait(timeout=10)
    bots.first = bots.start("first")
    answers = [bots.driver(bot).submit(view, VALID).json() for bot in (bots.first, bots.second)]

    assert all(answer["response_action"] == "update" for answer in answers)
    assert all("Creating" in str(answer["view"]) for answer in answers)
    assert len(fake_starleads.creates()) == 1
