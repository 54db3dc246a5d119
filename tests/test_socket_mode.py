"""With SLACK_APP_TOKEN set, Slack traffic comes over Socket Mode and the HTTP server still serves health."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import RunningBot, serving
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import FakeStarleads

APP_TOKEN = "xapp-1-A0001-000000000-socketmodetokenvalue"


@pytest.fixture(scope="module")
def socket_bot(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningBot]:
    workdir = tmp_path_factory.mktemp("socket-bot")
    fake_slack.reset()
    fake_slack.fail("apps.connections.open", "invalid_auth", times=1000)
    yield from serving(
        fake_slack, fake_starleads, workdir, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET=""
    )
    fake_slack.reset()


def test_socket_mode_asks_slack_for_a_connection_with_the_app_token(
    socket_bot: RunningBot, fake_slack: FakeSlack
) -> None:
    call = fake_slack.wait_for(lambda r: r.path == "/api/apps.connections.open")[0]

    assert call.headers["authorization"] == f"Bearer {APP_TOKEN}"


def test_health_is_served_and_slack_events_are_not_exposed_over_http(socket_bot: RunningBot) -> None:
    health = httpx.get(f"{socket_bot.url}/healthz")

    assert health.status_code == 200
    assert health.json()["mode"] == "socket"
    assert httpx.post(f"{socket_bot.url}/slack/events", content=b"x").status_code == 404


def test_a_refused_connection_does_not_stop_the_bot_and_is_logged_without_the_token(
    socket_bot: RunningBot, fake_slack: FakeSlack
) -> None:
    fake_slack.wait_for(lambda r: r.path == "/api/apps.connections.open")

    assert socket_bot.process.poll() is None
    log = socket_bot.wait_for_log("invalid_auth")
    assert "invalid_auth" in log
    assert APP_TOKEN not in log
