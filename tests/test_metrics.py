"""`GET /metrics` as Prometheus scrapes it, after driving the running bot the way Slack and Starleads
do: the counters and histograms move with the right labels, the database's counts are there, the
token guards the page, and nothing in it names a workspace or carries a secret."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.config import load_settings
from bot.logs import Redactor
from bot.slack.blocks.campaign_form import OPEN_PICKER_ACTION
from tests.call_results_driver import (
    PASCAL,
    create,
    forward_state,
    in_thread,
    post,
    root_of,
    subscribe,
    token_in,
)
from tests.conftest import API_KEY, BOT_TOKEN, RunningBot, driving, open_form, serving
from tests.install_driver import install
from tests.metrics_page import moved, page, scrape, value
from tests.slack_driver import SIGNING_SECRET, SlackDriver, unique_id
from tests.standins.customer_webhook import CustomerWebhook
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import FakeStarleads

METRICS_TOKEN = "metrics-token-5b1e0c7d9a"


@pytest.fixture(scope="module")
def watched(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningBot]:
    """A bot of its own, so that only this module's traffic moves its counters."""
    yield from serving(
        fake_slack, fake_starleads, tmp_path_factory.mktemp("metrics"), METRICS_TOKEN=METRICS_TOKEN
    )


@pytest.fixture
def slack(watched: RunningBot, fake_slack: FakeSlack, fake_starleads: FakeStarleads) -> Iterator[SlackDriver]:
    yield from driving(watched, fake_slack, fake_starleads)


def test_a_command_and_a_create_count_their_acks_views_open_the_starleads_call_and_the_outcome(
    watched: RunningBot, slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    before = scrape(watched)

    create(slack, fake_slack, fake_starleads)

    after = scrape(watched)
    assert moved(before, after, "starleads_bot_slack_ack_seconds_count", kind="command") == 1
    assert moved(before, after, "starleads_bot_slack_ack_seconds_count", kind="submission") == 1
    assert moved(before, after, "starleads_bot_slack_api_seconds_count", method="views.open") == 1
    assert moved(before, after, "starleads_bot_slack_api_seconds_count", method="views.update") >= 1
    created = {"endpoint": "POST /Campaign", "outcome": "200"}
    assert moved(before, after, "starleads_bot_starleads_call_seconds_count", **created) == 1
    assert moved(before, after, "starleads_bot_campaign_creates_total", outcome="created") == 1
    # Every ack lands in a bucket: the +Inf bucket counts them all, the histogram is not an average.
    assert value(after, "starleads_bot_slack_ack_seconds_bucket", kind="command", le="+Inf") == value(
        after, "starleads_bot_slack_ack_seconds_count", kind="command"
    )


def test_an_ack_is_timed_until_its_answer_even_when_the_answer_waits(
    watched: RunningBot, slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    # A new person's help waits for Slack to say their language, half a second at most (Slack holds
    # the answer longer): the ack comes no sooner, and its time must say so.
    person = unique_id("U")
    before = scrape(watched)
    with fake_slack.holding("users.info", where=lambda call: call.get("user") == person):
        assert slack.command("help", user_id=person).status_code == 200

    after = scrape(watched)
    assert moved(before, after, "starleads_bot_slack_ack_seconds_count", kind="command") == 1
    assert moved(before, after, "starleads_bot_slack_ack_seconds_bucket", kind="command", le="0.25") == 0
    assert moved(before, after, "starleads_bot_slack_ack_seconds_bucket", kind="command", le="+Inf") == 1


def test_a_button_in_a_form_is_timed_as_an_action(
    watched: RunningBot, slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    view = open_form(slack, fake_slack)
    before = scrape(watched)

    assert slack.click(view, OPEN_PICKER_ACTION).status_code == 200

    after = scrape(watched)
    assert moved(before, after, "starleads_bot_slack_ack_seconds_count", kind="action") == 1
    assert moved(before, after, "starleads_bot_slack_ack_seconds_count", kind="other") == 0


def test_a_starleads_failure_is_counted_by_endpoint_and_status_and_the_create_as_unavailable(
    watched: RunningBot, slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_starleads.answer_next_create(502, {"title": "Bad Gateway", "status": 502})
    before = scrape(watched)

    create(slack, fake_slack, fake_starleads)

    after = scrape(watched)
    failed = {"endpoint": "POST /Campaign", "outcome": "502"}
    assert moved(before, after, "starleads_bot_starleads_call_seconds_count", **failed) == 1
    assert moved(before, after, "starleads_bot_campaign_creates_total", outcome="unavailable") == 1
    assert moved(before, after, "starleads_bot_campaign_creates_total", outcome="created") == 0


def test_a_webhook_result_and_a_slack_429_are_counted_and_the_results_counted_by_state(
    watched: RunningBot, slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    channel, token = subscribe(slack, fake_slack)
    root_of(fake_slack, channel)
    fake_slack.fail("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "1"})
    before = scrape(watched)

    assert post(watched, token, PASCAL).status_code == 200
    fake_slack.wait_timed("chat.postMessage", in_thread(channel), count=2)

    after = scrape(watched)
    assert moved(before, after, "starleads_bot_webhooks_total", outcome="stored") == 1
    assert moved(before, after, "starleads_bot_webhook_intake_seconds_count") == 1
    assert moved(before, after, "starleads_bot_slack_api_rate_limited_total", method="chat.postMessage") == 1
    rate_limited = {"method": "chat.postMessage", "error": "ratelimited"}
    assert moved(before, after, "starleads_bot_slack_api_errors_total", **rate_limited) == 1
    assert value(after, "starleads_bot_call_results", state="posted") >= 1
    assert token not in page(watched).text


def test_forwards_to_a_campaign_s_own_webhook_are_counted_by_state(
    watched: RunningBot,
    slack: SlackDriver,
    fake_slack: FakeSlack,
    fake_starleads: FakeStarleads,
    hook: CustomerWebhook,
) -> None:
    _, sent, _ = create(slack, fake_slack, fake_starleads, {"webhook_url": f"{hook.url}/hooks/starleads"})
    token = token_in(sent)
    before = scrape(watched)

    assert post(watched, token, PASCAL).status_code == 200
    assert forward_state(watched, token) == ["forwarded"]
    hook.answer(500, 502, 503)  # every try of the next one: the first and one per backoff step
    assert post(watched, token, {**PASCAL, "Id": unique_id("I")}).status_code == 200
    assert forward_state(watched, token, count=2, timeout=15) == ["forwarded", "dead"]

    after = scrape(watched)
    assert moved(before, after, "starleads_bot_forwards", state="forwarded") == 1
    assert moved(before, after, "starleads_bot_forwards", state="dead") == 1
    assert value(after, "starleads_bot_forwards", state="pending") == 0


def test_a_webhook_for_no_subscription_is_counted_without_its_token(watched: RunningBot) -> None:
    before = scrape(watched)
    unknown = "not-a-subscription-" + unique_id("t")

    assert post(watched, unknown, PASCAL).status_code == 404

    after = scrape(watched)
    assert moved(before, after, "starleads_bot_webhooks_total", outcome="unknown_token") == 1
    assert moved(before, after, "starleads_bot_webhook_intake_seconds_count") == 0
    assert unknown not in page(watched).text


def test_the_page_wants_the_token_and_shows_no_secret(watched: RunningBot) -> None:
    url = f"{watched.url}/metrics"
    assert httpx.get(url, timeout=10).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Bearer wrong"}, timeout=10).status_code == 401
    assert httpx.get(url, headers={"Authorization": METRICS_TOKEN}, timeout=10).status_code == 401
    answer = page(watched)
    assert answer.headers["content-type"].startswith("text/plain")
    for secret in (METRICS_TOKEN, BOT_TOKEN, SIGNING_SECRET, API_KEY):
        assert secret not in answer.text
        assert secret not in watched.log()


def test_the_metrics_token_is_masked_wherever_the_log_might_show_it(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, setting in {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "STARLEADS_API_KEY": API_KEY,
        "METRICS_TOKEN": METRICS_TOKEN,
    }.items():
        monkeypatch.setenv(name, setting)
    redact = Redactor(load_settings(env_file=None).secrets())

    assert METRICS_TOKEN not in redact(f"Authorization: Bearer {METRICS_TOKEN}")


def test_without_a_token_the_page_is_open(bot: RunningBot) -> None:
    assert "starleads_bot_call_results" in page(bot).text


def test_a_distributed_bot_counts_installed_and_connected_workspaces_never_naming_one(
    distributed: RunningBot, slack_api: FakeSlack, quiet: None
) -> None:
    before = scrape(distributed)
    team = unique_id("T")

    bot_token = install(distributed, slack_api, team)

    after = scrape(distributed)
    assert moved(before, after, "starleads_bot_workspaces_installed") == 1
    assert moved(before, after, "starleads_bot_workspaces_connected") == 1
    text = page(distributed).text
    for private in (f"Team {team}", team, bot_token, Path(distributed.log_path).parent.name):
        assert private not in text


def test_a_single_workspace_bot_shows_no_workspace_counts(watched: RunningBot) -> None:
    names = {name for name, _ in scrape(watched)}
    assert "starleads_bot_workspaces_installed" not in names
    assert "starleads_bot_workspaces_connected" not in names


def test_in_multiprocess_mode_the_directory_starts_empty_and_the_page_adds_up_the_processes(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path: Path
) -> None:
    directory = tmp_path / "prometheus"
    directory.mkdir()
    # An earlier run's counters: kept, they would be added to this run's.
    (directory / "counter_99999.db").write_bytes(b"\0" * 16)

    for bot in serving(fake_slack, fake_starleads, tmp_path, PROMETHEUS_MULTIPROC_DIR=str(directory)):
        assert not (directory / "counter_99999.db").exists()
        before = scrape(bot)
        for _ in driving(bot, fake_slack, fake_starleads):
            assert SlackDriver(bot.url, fake_slack.response_url()).command("help").status_code == 200
        after = scrape(bot)
        assert moved(before, after, "starleads_bot_slack_ack_seconds_count", kind="command") == 1
        assert "# TYPE starleads_bot_call_results gauge" in page(bot).text
        assert list(directory.glob("histogram_*.db"))
