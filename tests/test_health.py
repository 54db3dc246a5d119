"""`GET /healthz` in HTTP mode: 200 while the database answers, 503 saying so when it doesn't, so a load
balancer stops sending Slack's requests to a bot that can't serve them."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.conftest import RunningBot, polled, postgres_schema, serving
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import FakeStarleads
from tests.standins.tcp_relay import TcpRelay


def test_a_healthy_bot_says_ok_with_its_mode_and_background_work(bot: RunningBot) -> None:
    # Once start-up's own background work (resuming late lookups) is done, if this bot just started.
    health = polled(lambda: httpx.get(f"{bot.url}/healthz"), lambda h: h.json()["background_work"] == 0, 10)

    assert health.status_code == 200
    assert health.json() == {"status": "ok", "mode": "http", "background_work": 0}


def test_health_is_503_saying_the_database_is_missing_once_it_stops_answering(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path: Path
) -> None:
    with postgres_schema("health") as url:
        relay, through_relay = TcpRelay.in_front_of(url)
        for running in serving(fake_slack, fake_starleads, tmp_path, DATABASE_URL=through_relay):
            assert httpx.get(f"{running.url}/healthz").status_code == 200

            relay.cut()
            health = httpx.get(f"{running.url}/healthz", timeout=10)

            assert health.status_code == 503
            body = health.json()
            assert body["status"] == "unavailable"
            assert body["mode"] == "http"
            assert list(body["missing"]) == ["database"]
            assert "background_work" in body


def test_a_healthy_start_logs_no_warning(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path: Path
) -> None:
    """An operator reads a warning at start-up as something to fix: a start with nothing wrong has none."""
    for running in serving(fake_slack, fake_starleads, tmp_path):
        running.wait_for_log("ready mode=http")
        assert " WARNING " not in running.log(), running.log()
