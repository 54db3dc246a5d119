"""The real bot, run as `python -m bot serve` on a loopback port, wired to local stand-ins."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine, create_engine, text

from bot.store import connect
from tests.slack_driver import SIGNING_SECRET, USER, SlackDriver, unique_id
from tests.standins.customer_webhook import CustomerWebhook
from tests.standins.slack_api import FakeSlack, Installs
from tests.standins.starleads_api import API_KEY, FakeStarleads

BOT_TOKEN = "xoxb-000000000000-test-bot-token-3e9d"
INSTALLED_TOKEN_PREFIX = "xoxb-installed-"  # a `Workspace`'s bot token: this, then its team ID
REPO = Path(__file__).resolve().parent.parent
# Made by release 0.1.0 (commit 990c038), the last without Alembic: its `connect()` created the schema
# and a few rows of every table were written into it (tests/data/release-0.1.0-postgresql.sql is the
# same for PostgreSQL).
RELEASE_SQLITE = REPO / "tests" / "data" / "release-0.1.0.db"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bot_environment(
    slack: FakeSlack, starleads: FakeStarleads, workdir: Path, **overrides: str | None
) -> dict[str, str]:
    """The settings of a bot that talks to the stand-ins; an override of None removes a setting."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STARLEADS_", "DATABASE_URL"))}
    env.update(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "STARLEADS_API_URL": starleads.url,
            "STARLEADS_API_KEY": API_KEY,
            "STARLEADS_TIMEOUT_SECONDS": "1.5",
            "STARLEADS_LATE_LOOKUP_SECONDS": "[0.5, 1, 2]",
            "RESULT_FORWARD_BACKOFF_SECONDS": "[0.3, 0.6]",
            "RESULT_FORWARD_PRIVATE_ADDRESSES": "true",  # the teams' webhook stand-in is on 127.0.0.1
            "DATABASE_URL": f"sqlite:///{workdir / 'bot.db'}",
            "PUBLIC_URL": "https://bot.example.com",
            "PORT": str(free_port()),
            "PYTHONUNBUFFERED": "1",
        }
    )
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def serving(
    slack: FakeSlack,
    starleads: FakeStarleads,
    workdir: Path,
    *,
    healthy: bool = True,
    **overrides: str | None,
) -> Iterator[RunningBot]:
    """A bot for a fixture to `yield from`: started with these settings, stopped afterwards; with
    `healthy=False`, one whose `/healthz` may say it is not ready (Socket Mode with no connection)."""
    running = RunningBot(bot_environment(slack, starleads, workdir, **overrides), workdir, healthy=healthy)
    try:
        yield running
    finally:
        running.stop()


class Crashable:
    """A `starleads-bot serve` process of its own (own SQLite file) that a test may kill and restart."""

    def __init__(
        self, fake_slack: FakeSlack, fake_starleads: FakeStarleads, workdir: Path, **overrides: str
    ) -> None:
        self._env = bot_environment(fake_slack, fake_starleads, workdir, **overrides)
        self._workdir = workdir
        self._fake_slack = fake_slack
        self.bot = RunningBot(self._env, workdir)

    def driver(self) -> SlackDriver:
        return SlackDriver(self.bot.url, self._fake_slack.response_url())

    def kill_and_restart(self) -> None:
        os.kill(self.bot.process.pid, signal.SIGKILL)
        self.bot.process.wait(timeout=10)
        self.bot.stop()  # closes its log
        self.bot = RunningBot(self._env, self._workdir)


class RunningBot:
    """A `starleads-bot serve` process; its log is kept so tests can read what operators would."""

    def __init__(self, env: dict[str, str], workdir: Path, *, healthy: bool = True) -> None:
        self.env = env
        self.url = f"http://127.0.0.1:{env['PORT']}"
        self.log_path = workdir / "bot.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"],
            cwd=workdir,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_serving(ready_statuses=(200,) if healthy else (200, 503))

    def _wait_until_serving(self, ready_statuses: tuple[int, ...], timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the bot exited early:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code in ready_statuses:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError(f"the bot did not become healthy:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, text: str, timeout: float = 10) -> str:
        """The log once `text` is in it (a line is written a moment after what it reports is seen)."""
        return polled(self.log, lambda log: text in log, timeout)

    def log_lines(self, event: str | None = None) -> list[dict[str, Any]]:
        """The lines of a bot logging JSON (`LOG_FORMAT=json`), those of `event` if given, whichever of
        its processes wrote them. Each whole line must be a JSON object; one still being written is
        left for the next read."""
        found = []
        for line in self.log().splitlines(keepends=True):
            if not line.endswith("\n") or not line.strip():
                continue
            parsed = json.loads(line)
            assert isinstance(parsed, dict), line
            if event is None or parsed["event"] == event:
                found.append(parsed)
        return found

    def wait_for_lines(self, event: str, count: int = 1, timeout: float = 10) -> list[dict[str, Any]]:
        """The JSON log's lines of `event` once there are `count` of them (each is written as it happens)."""
        found = polled(lambda: self.log_lines(event), lambda lines: len(lines) >= count, timeout)
        assert len(found) >= count, self.log()
        return found

    def background_work(self) -> int:
        """How much work the bot still has in flight after its acks, as `/healthz` reports it."""
        return int(httpx.get(f"{self.url}/healthz", timeout=5).json()["background_work"])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log.close()


_Read = TypeVar("_Read")


def polled(read: Callable[[], _Read], done: Callable[[_Read], bool], timeout: float) -> _Read:
    """What `read` gives once `done` says so, or at the timeout."""
    deadline = time.monotonic() + timeout
    while not done(found := read()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[FakeSlack]:
    stand_in = FakeSlack().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture(scope="session")
def fake_starleads() -> Iterator[FakeStarleads]:
    stand_in = FakeStarleads().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture(scope="session")
def customer_webhook() -> Iterator[CustomerWebhook]:
    stand_in = CustomerWebhook().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def hook(customer_webhook: CustomerWebhook) -> CustomerWebhook:
    """The team's own webhook receiver, answering 200 unless told otherwise, with no requests yet."""
    customer_webhook.reset()
    return customer_webhook


@pytest.fixture(scope="session")
def bot(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningBot]:
    yield from serving(fake_slack, fake_starleads, tmp_path_factory.mktemp("bot"))


@pytest.fixture(scope="module")
def bot_without_public_url(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningBot]:
    """A bot with no `PUBLIC_URL`: Starleads can't reach it, so it offers no call results."""
    yield from serving(fake_slack, fake_starleads, tmp_path_factory.mktemp("no-public-url"), PUBLIC_URL=None)


@pytest.fixture(scope="module")
def slack_api() -> Iterator[FakeSlack]:
    """Slack as a distributed app meets it: only the tokens it issued are good."""
    stand_in = FakeSlack(checks_tokens=True).start()
    yield stand_in
    stand_in.stop()


@pytest.fixture(scope="module")
def distributed(
    slack_api: FakeSlack, fake_starleads: FakeStarleads, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningBot]:
    """A distributed bot (SQLite) that workspaces install through the real OAuth endpoints."""
    from tests.install_driver import distribution_settings  # it builds on this module

    yield from serving(
        slack_api,
        fake_starleads,
        tmp_path_factory.mktemp("distributed"),
        **distribution_settings(),
        LOG_LEVEL="DEBUG",  # the most a log ever says: still no token in it
    )


@pytest.fixture
def quiet(distributed: RunningBot, slack_api: FakeSlack, fake_starleads: FakeStarleads) -> Iterator[None]:
    """A clean slate of recorded calls for each test, and the bot's work after its acks done afterwards."""
    for _ in driving(distributed, slack_api, fake_starleads):
        yield


@pytest.fixture(scope="module")
def connecting_bot(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningBot]:
    """A distributed bot (SQLite) whose workspaces are installed by writing their installations as the
    OAuth flow would (`Workspace`), each left to connect its own Starleads account."""
    from tests.install_driver import distribution_settings  # it builds on this module

    yield from serving(
        fake_slack, fake_starleads, tmp_path_factory.mktemp("connecting"), **distribution_settings()
    )


class Workspace:
    """A workspace that installed `connecting_bot`: its team, who installed it, an admin and a member."""

    def __init__(self, bot: RunningBot, fake_slack: FakeSlack) -> None:
        self.team_id = unique_id("T")
        self.installer, self.admin, self.member = unique_id("U"), unique_id("U"), unique_id("U")
        fake_slack.set_role(self.admin, admin=True)
        installation = Installation(
            app_id="A0001",
            team_id=self.team_id,
            team_name="Acme",
            bot_token=INSTALLED_TOKEN_PREFIX + self.team_id.lower(),
            bot_id="B0001",
            bot_user_id="UBOT",
            bot_scopes="commands,chat:write,users:read",
            user_id=self.installer,
        )
        engine = create_engine(f"sqlite:///{Path(bot.log_path).parent / 'bot.db'}")
        SQLAlchemyInstallationStore(Installs.CLIENT_ID, engine).save(installation)
        engine.dispose()
        self.slack = SlackDriver(bot.url, fake_slack.response_url(), team_id=self.team_id)


@pytest.fixture
def workspace(
    connecting_bot: RunningBot, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> Iterator[Workspace]:
    """A new workspace of `connecting_bot`, not connected to Starleads, with a clean slate of recorded
    calls (see `driving`)."""
    for _ in driving(connecting_bot, fake_slack, fake_starleads):
        yield Workspace(connecting_bot, fake_slack)


@pytest.fixture
def restartable(fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path: Path) -> Iterator[Crashable]:
    """A bot of its own whose first look for a campaign that got no answer comes 4 s after it: a kill
    lands first."""
    running = Crashable(fake_slack, fake_starleads, tmp_path, STARLEADS_LATE_LOOKUP_SECONDS="[4, 1, 1]")
    yield running
    running.bot.stop()


@pytest.fixture
def slack(bot: RunningBot, fake_slack: FakeSlack, fake_starleads: FakeStarleads) -> Iterator[SlackDriver]:
    yield from driving(bot, fake_slack, fake_starleads)


def driving(bot: RunningBot, fake_slack: FakeSlack, fake_starleads: FakeStarleads) -> Iterator[SlackDriver]:
    """Slack talking to `bot`, for a fixture to `yield from`, with a clean slate for each test: stand-ins
    forget earlier calls and scripted failures.

    Afterwards, wait until the bot has finished its work after the acks (a late lookup may run for
    seconds) and the stand-ins are quiet, so that none of it lands in the next test's records.
    """
    fake_slack.reset()
    fake_starleads.reset()
    yield SlackDriver(bot.url, fake_slack.response_url())
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not (
        bot.background_work() == 0 and fake_slack.quiet_for(0.15) and fake_starleads.quiet_for(0.15)
    ):
        time.sleep(0.05)


def open_form(
    slack: SlackDriver, fake_slack: FakeSlack, channel_id: str | None = None, *, user_id: str = USER
) -> dict[str, Any]:
    """`user_id` types `/starleads campaign`: the modal the bot opened, with the ID Slack gave it.

    Each call uses a new channel unless told otherwise, so no test sees what another one remembered.
    """
    channel_id = channel_id or unique_id("C")
    already = len(fake_slack.calls("views.open"))
    assert slack.command("campaign", channel_id=channel_id, user_id=user_id).status_code == 200
    call = fake_slack.wait_call("views.open", count=already + 1)[-1]
    return {**call["view"], "id": unique_id("V")}


def answer(fake_slack: FakeSlack, already: int) -> str:
    """The text of the next answer through a command's response URL, after the `already` ones."""
    return str(fake_slack.wait_response_url(count=already + 1)[-1]["text"])


def audit(bot: RunningBot, key: str, count: int) -> list[dict[str, Any]]:
    """The audit rows of one form, read straight from the bot's SQLite file (written after the ack)."""
    deadline = time.monotonic() + 5
    while True:
        with sqlite3.connect(Path(bot.log_path).parent / "bot.db") as connection:
            connection.row_factory = sqlite3.Row
            query = "select * from create_attempts where creation_key = ? order by id"
            rows = [dict(row) for row in connection.execute(query, (key,))]
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")


def postgres_unreachable() -> str | None:
    """Why PostgreSQL at POSTGRES_URL can't be used, or None when it can (tests and benchmarks ask)."""
    try:
        engine = connect(POSTGRES_URL)
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception as error:  # any failure to connect means "no PostgreSQL here"
        return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    return None


def postgres_or_skip() -> str:
    reason = postgres_unreachable()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must test PostgreSQL, but {POSTGRES_URL} is unreachable: {reason}")
        pytest.skip(f"NO POSTGRESQL at {POSTGRES_URL} ({reason}): PostgreSQL tests skipped")
    return POSTGRES_URL


@contextlib.contextmanager
def postgres_schema(name: str, base_url: str | None = None) -> Iterator[str]:
    """A database URL whose tables live in a PostgreSQL schema of their own, dropped afterwards: results
    other tests or benchmarks leave pending in the shared `test` database can't reach a bot there.
    In `base_url`'s database (a benchmark's), else in POSTGRES_URL's (skipped if unreachable)."""
    base_url = base_url or postgres_or_skip()
    schema = f"{name}_{uuid.uuid4().hex[:8]}"
    admin = connect(base_url)
    try:
        with admin.begin() as db:
            db.execute(text(f"create schema {schema}"))
        yield f"{base_url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as db:
            db.execute(text(f"drop schema if exists {schema} cascade"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engines(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Engine]]:
    """Two engines on one database, as two bot processes would have."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'bot.db'}"
    else:
        url = postgres_or_skip()
    pair = [connect(url), connect(url)]
    yield pair
    for engine in pair:
        engine.dispose()
