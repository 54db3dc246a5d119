"""With SLACK_APP_TOKEN set, Slack traffic comes over Socket Mode and the HTTP server still serves health:
healthy only once the WebSocket to Slack is connected."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import RunningBot, serving
from tests.standins.slack_api import FakeSlack
from tests.standins.socket_mode import FakeSocketMode
from tests.standins.starleads_api import FakeStarleads

APP_TOKEN = "xapp-1-A0001-000000000-socketmodetokenvalue"


@pytest.fixture(scope="module")
def socket_bot(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningBot]:
    """A Socket Mode bot that Slack refuses a connection to."""
    workdir = tmp_path_factory.mktemp("socket-bot")
    fake_slack.reset()
    fake_slack.fail("apps.connections.open", "invalid_auth", times=1000)
    yield from serving(
        fake_slack, fake_starleads, workdir, healthy=False, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET=""
    )
    fake_slack.reset()


def test_socket_mode_asks_slack_for_a_connection_with_the_app_token(
    socket_bot: RunningBot, fake_slack: FakeSlack
) -> None:
    call = fake_slack.wait_for(lambda r: r.path == "/api/apps.connections.open")[0]

    assert call.headers["authorization"] == f"Bearer {APP_TOKEN}"


def test_health_says_slack_is_not_connected_and_slack_events_are_not_exposed_over_http(
    socket_bot: RunningBot, fake_slack: FakeSlack
) -> None:
    fake_slack.wait_for(lambda r: r.path == "/api/apps.connections.open")

    health = httpx.get(f"{socket_bot.url}/healthz")

    assert health.status_code == 503
    body = health.json()
    assert body["mode"] == "socket"
    assert body["status"] == "unavailable"
    assert list(body["missing"]) == ["slack_connection"]
    assert body["background_work"] == 0
    assert httpx.post(f"{socket_bot.url}/slack/events", content=b"x").status_code == 404


def test_a_refused_connection_is_one_line_with_its_cause_and_next_try_without_traceback_or_token(
    socket_bot: RunningBot, fake_slack: FakeSlack
) -> None:
    fake_slack.wait_for(lambda r: r.path == "/api/apps.connections.open")

    assert socket_bot.process.poll() is None
    log = socket_bot.wait_for_log("slack_connection_failed")
    failures = [line for line in log.splitlines() if "invalid_auth" in line]
    assert failures
    assert all("slack_connection_failed error=invalid_auth retry_in=10s" in line for line in failures)
    assert "Traceback" not in log
    assert APP_TOKEN not in log


@pytest.fixture(scope="module")
def socket_mode() -> Iterator[FakeSocketMode]:
    server = FakeSocketMode().start()
    yield server
    server.stop()


def test_health_is_ok_once_the_websocket_to_slack_is_connected(
    fake_slack: FakeSlack,
    fake_starleads: FakeStarleads,
    socket_mode: FakeSocketMode,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    fake_slack.reset()
    fake_slack.socket_mode_url = socket_mode.url
    workdir = tmp_path_factory.mktemp("socket-bot-connected")

    # `serving` waits until /healthz answers 200, which it may only do once connected.
    for bot in serving(
        fake_slack, fake_starleads, workdir, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET=""
    ):
        health = httpx.get(f"{bot.url}/healthz")

        assert health.status_code == 200
        # Not `background_work`: start-up's own (resuming late lookups) may still be in flight.
        body = health.json()
        assert (body["status"], body["mode"], body.get("missing")) == ("ok", "socket", None)
        assert socket_mode.connections >= 1
    fake_slack.reset()
