"""LOG_FORMAT=json: every line on stderr, the bot's and its libraries', is one JSON object with the event,
level, time and the ids of the request it belongs to (and of the campaign or call result it is about);
no secret in any of them."""

from __future__ import annotations

import contextvars
import io
import json
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest

from bot.logs import REDACTED, bind_request, configure_logging
from tests.call_results_driver import CAMPAIGN_FORM, campaign_id_in, in_thread, post, token_in
from tests.conftest import BOT_TOKEN, RunningBot, audit, open_form, polled, serving
from tests.slack_driver import SIGNING_SECRET, SlackDriver, unique_id
from tests.slack_views import final_view
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import API_KEY, PHONE_AGENT, FakeStarleads, documented_call_result

ENCRYPTION_KEY = "q5Qk0n3rT3M3RVbz2m8yC1JwZ7N9k8pQd4Hh6sYtU0E="
REFRESH_TOKEN = "xoxe-1-refreshtokenvalue0123456789"


@pytest.fixture(scope="module")
def json_bot(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningBot]:
    """A bot logging JSON at DEBUG, where libraries print the most (request headers included)."""
    yield from serving(
        fake_slack, fake_starleads, tmp_path_factory.mktemp("json-bot"), LOG_FORMAT="json", LOG_LEVEL="DEBUG"
    )


def test_every_line_is_json_with_event_level_time_and_request_ids_and_no_secret(
    json_bot: RunningBot, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_slack.reset()
    fake_starleads.reset()
    slack = SlackDriver(json_bot.url, fake_slack.response_url())
    channel = unique_id("C")
    fake_slack.fail("views.open", "expired_trigger_id")
    slack.command("campaign", channel_id=channel)
    fake_slack.wait_response_url()
    fake_starleads.answer_next_create(401, {"title": "Unauthorized", "detail": "Invalid API key"})
    view = open_form(slack, fake_slack)
    slack.submit(view, {"name": "Relance", "agent_id": PHONE_AGENT, "phone_number": "+33123456789"})
    fake_slack.wait_view_update(view["id"])
    slack.post("command=%2Fstarleads&text=campaign", signature="v0=" + "1" * 64)
    json_bot.wait_for_log("slack_request_unverified")

    lines = json_bot.log_lines()
    log = json_bot.log()

    for secret in (BOT_TOKEN, API_KEY, SIGNING_SECRET):
        assert secret not in log
    assert any(line["level"] == "debug" and line["logger"].startswith("bot.slack") for line in lines)
    for line in lines:
        assert {"event", "level", "time", "logger"} <= line.keys()
        assert datetime.fromisoformat(line["time"]).utcoffset() is not None
    assert any(line["logger"].startswith("uvicorn") for line in lines)
    refused = next(line for line in lines if line["event"] == "views_open_failed")
    assert refused["error"] == "expired_trigger_id"
    assert refused["channel"] == channel
    assert refused["workspace"] == "T0001"
    assert refused["request_id"]
    unverified = next(line for line in lines if line["event"] == "slack_request_unverified")
    assert unverified["level"] == "warning"
    assert isinstance(unverified["bytes"], int)


def test_each_slack_request_has_a_request_id_of_its_own(json_bot: RunningBot, fake_slack: FakeSlack) -> None:
    fake_slack.reset()
    slack = SlackDriver(json_bot.url, fake_slack.response_url())
    already = len(json_bot.log_lines("views_open_failed"))
    for _ in range(2):
        fake_slack.fail("views.open", "expired_trigger_id")
        slack.command("campaign", channel_id=unique_id("C"))
        fake_slack.wait_response_url()
        fake_slack.reset()

    failures = json_bot.wait_for_lines("views_open_failed", count=already + 2)

    assert len({line["request_id"] for line in failures}) == len(failures) >= 2
    assert httpx.get(f"{json_bot.url}/healthz").status_code == 200


def test_a_campaign_s_lines_carry_its_campaign_and_view_and_a_call_result_s_its_result(
    json_bot: RunningBot, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    channel = unique_id("C")
    view, campaign, token = _campaign_created(json_bot, fake_slack, fake_starleads, channel)
    item = unique_id("I")
    assert post(json_bot, token, documented_call_result(item, campaign)).json() == {"status": "stored"}
    fake_slack.wait_timed("chat.postMessage", in_thread(channel))
    json_bot.wait_for_lines("result_posted")

    lines = json_bot.log_lines()  # every line a JSON object

    [created] = [
        line for line in lines if line["event"] == "campaign_create" and line.get("view") == view["id"]
    ]
    assert (created["outcome"], created["campaign"], created["key"]) == ("created", campaign, view["id"])
    assert created["workspace"] == "T0001"
    [received] = [line for line in lines if line["event"] == "webhook_received" and line["item"] == item]
    assert received["outcome"] == "stored"
    assert isinstance(received["result"], int)
    assert (received["campaign"], received["channel"]) == (campaign, channel)
    [posted] = [line for line in lines if line["event"] == "result_posted" and line["channel"] == channel]
    assert posted["result"] == received["result"]
    assert posted["campaign"] == campaign


def test_slack_refusing_a_call_result_s_reply_is_logged_with_the_result_and_its_campaign(
    json_bot: RunningBot, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    channel = unique_id("C")
    _, campaign, token = _campaign_created(json_bot, fake_slack, fake_starleads, channel)
    fake_slack.fail("chat.postMessage", "is_archived", where=in_thread(channel))
    stored = post(json_bot, token, documented_call_result(unique_id("I"), campaign))
    assert stored.json() == {"status": "stored"}

    def dead_in_channel() -> list[dict[str, Any]]:
        return [line for line in json_bot.log_lines("result_dead") if line["channel"] == channel]

    [dead] = polled(dead_in_channel, bool, timeout=10)

    [refused] = [line for line in json_bot.log_lines("post_failed") if line.get("result") == dead["result"]]
    assert (refused["error"], refused["campaign"], refused["channel"]) == ("is_archived", campaign, channel)


def test_a_refused_create_is_logged_and_audited_in_english_though_its_user_reads_french(
    json_bot: RunningBot, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_slack.reset()
    fake_starleads.reset()
    french = unique_id("U")
    fake_slack.set_locale(french, "fr-FR")
    slack = SlackDriver(json_bot.url, fake_slack.response_url())
    view = open_form(slack, fake_slack, user_id=french)
    refusal = {"title": "Bad Request", "status": 400, "detail": "Quota exceeded"}
    fake_starleads.answer_next_create(400, refusal)

    slack.submit(view, CAMPAIGN_FORM, user_id=french)

    shown = json.dumps(final_view(fake_slack, view["id"]), ensure_ascii=False)
    assert "Starleads a refusé la campagne" in shown
    assert "Starleads refused" not in shown
    english = "Starleads refused the request (400): Quota exceeded"
    [logged] = polled(
        lambda: [line for line in json_bot.log_lines("campaign_create") if line.get("view") == view["id"]],
        bool,
        timeout=10,
    )
    assert (logged["outcome"], logged["reason"]) == ("rejected", english)
    assert [row["detail"] for row in audit(json_bot, view["id"], count=1)] == [english]


def _campaign_created(
    json_bot: RunningBot, fake_slack: FakeSlack, fake_starleads: FakeStarleads, channel: str
) -> tuple[dict[str, Any], str, str]:
    """A campaign created from a form in `channel`: (the form's view, its campaign ID, its results token)."""
    fake_slack.reset()
    fake_starleads.reset()
    slack = SlackDriver(json_bot.url, fake_slack.response_url())
    view = open_form(slack, fake_slack, channel)
    assert slack.submit(view, CAMPAIGN_FORM).json()["response_action"] == "update"
    campaign = campaign_id_in(final_view(fake_slack, view["id"]))
    return view, campaign, token_in(fake_starleads.creates()[-1].json())


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_secrets_are_masked_in_both_formats_messages_fields_and_tracebacks(log_format: str) -> None:
    """What the end-to-end test can't make the bot log: every kind of secret, in a message, in a
    request's bound ids and in a traceback."""
    stream, root = io.StringIO(), logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("INFO", [API_KEY, ENCRYPTION_KEY, SIGNING_SECRET], log_format)  # type: ignore[arg-type]
    root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
    logger = logging.getLogger("bot.test")

    def log_secrets() -> None:
        bind_request(workspace=f"T-{BOT_TOKEN}")
        logger.info("key_seen key=%s encryption=%s refresh=%s", API_KEY, ENCRYPTION_KEY, REFRESH_TOKEN)
        try:
            raise ValueError(f"token {BOT_TOKEN} signing {SIGNING_SECRET}")
        except ValueError:
            logger.exception("failed_with_secret")

    try:
        contextvars.copy_context().run(log_secrets)  # the bound ids stay in that context
    finally:
        root.handlers[:], root.level = handlers, level

    output = stream.getvalue()
    for secret in (API_KEY, ENCRYPTION_KEY, REFRESH_TOKEN, BOT_TOKEN, SIGNING_SECRET):
        assert secret not in output
    assert REDACTED in output
    if log_format == "json":
        first, second = (json.loads(line) for line in output.splitlines() if line.startswith("{"))
        assert first["event"] == "key_seen"
        assert first["key"] == REDACTED
        assert "ValueError" in second["exception"]
