"""Requests that are not Slack's, or not what they claim, get nowhere; secrets never leak."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.conftest import BOT_TOKEN, RunningBot, open_form, serving
from tests.slack_driver import SIGNING_SECRET, SlackDriver
from tests.slack_views import final_view
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import API_KEY, PHONE_AGENT, SECRET_PROMPT, FakeStarleads

COMMAND = urlencode(
    {
        "command": "/starleads",
        "text": "campaign",
        "channel_id": "C0TEAM01",
        "user_id": "U0ALICE",
        "trigger_id": "trigger.1",
        "response_url": "https://hooks.slack.com/commands/x",
    }
)


@pytest.mark.parametrize(
    ("timestamp", "signature"),
    [
        pytest.param(None, "v0=" + "0" * 64, id="forged"),
        pytest.param(None, "", id="missing"),
        pytest.param(int(time.time()) - 6 * 60, None, id="stale-6-minutes"),
    ],
)
def test_unsigned_forged_or_stale_requests_get_401_and_do_nothing(
    slack: SlackDriver, fake_slack: FakeSlack, timestamp: int | None, signature: str | None
) -> None:
    response = slack.post(COMMAND, timestamp=timestamp, signature=signature)

    assert response.status_code == 401
    time.sleep(0.2)
    assert fake_slack.requests == []


def test_an_oversized_body_is_refused(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    response = slack.post(COMMAND + "&filler=" + "x" * 300_000)

    assert response.status_code == 413
    assert fake_slack.requests == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("payload=%7Bnot-json", id="payload-not-json"),
        pytest.param(
            urlencode({"payload": json.dumps({"type": "view_submission", "view": {"callback_id": "other"}})}),
            id="unknown-view-callback",
        ),
        pytest.param(
            urlencode(
                {
                    "payload": json.dumps(
                        {
                            "type": "view_submission",
                            "view": {
                                "callback_id": "campaign_form",
                                "id": "V1",
                                "private_metadata": "{}",
                                "state": {"values": []},
                            },
                        }
                    )
                }
            ),
            id="view-without-origin",
        ),
    ],
)
def test_malformed_payloads_get_a_polite_answer_never_a_traceback(
    slack: SlackDriver, fake_starleads: FakeStarleads, body: str
) -> None:
    response = slack.post(body)

    assert response.status_code < 500
    assert "Traceback" not in response.text
    assert fake_starleads.creates() == []


def test_a_form_whose_metadata_was_tampered_with_is_not_used(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    view = open_form(slack, fake_slack)
    tampered = {
        **view,
        "private_metadata": json.dumps(
            {"channel_id": "C0TEAM01", "user_id": "U0ALICE", "response_url": "https://evil.example/steal"}
        ),
    }

    answer = slack.submit(tampered, {"name": "X", "agent_id": PHONE_AGENT}).json()

    assert "run `/starleads campaign` again" in json.dumps(answer)
    assert fake_starleads.creates() == []


@pytest.fixture(scope="module")
def debug_bot(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningBot]:
    """A second bot logging at DEBUG, where libraries print the most (request headers included)."""
    yield from serving(fake_slack, fake_starleads, tmp_path_factory.mktemp("debug-bot"), LOG_LEVEL="DEBUG")


def test_no_secret_appears_in_any_log_line_or_message_on_any_path(
    debug_bot: RunningBot, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_slack.reset()
    fake_starleads.reset()
    slack = SlackDriver(debug_bot.url, fake_slack.response_url())
    valid = {"name": "Relance", "agent_id": PHONE_AGENT, "phone_number": "+33123456789"}
    scripted: list[tuple[int, Any, dict[str, str]]] = [
        (401, {"title": "Unauthorized", "detail": "Invalid API key"}, {}),
        (403, {"title": "Forbidden"}, {}),
        (404, {"title": "Not Found", "detail": "No agent exists with agentId : x"}, {}),
        (400, {"title": "Bad Request", "detail": "Bad agent"}, {}),
        (400, {"title": "Bad Request", "errors": {"PhoneNumber": ["not yours"]}}, {}),
        (429, {"title": "Too Many Requests"}, {"Retry-After": "1"}),
        (500, {"title": "Internal Server Error"}, {}),
        (502, {"title": "Bad Gateway"}, {}),
        (503, {"title": "Service Unavailable"}, {}),
        (200, {"name": "no id"}, {}),
        (200, b"not json at all", {}),
    ]
    for status, body, headers in scripted:
        fake_starleads.answer_next_create(status, body, headers)
        view = open_form(slack, fake_slack)
        slack.submit(view, valid)
        final_view(fake_slack, view["id"])
    slack.click({**final_view(fake_slack, view["id"]), "id": view["id"]}, "campaign_retry")
    fake_slack.fail("views.open", "expired_trigger_id")
    slack.command("campaign")
    fake_slack.wait_response_url()
    fake_slack.fail("chat.postMessage", "not_in_channel")
    slack.submit(open_form(slack, fake_slack), valid)
    fake_slack.wait_response_url()
    slack.submit(open_form(slack, fake_slack), {**valid, "phone_number": "bad"})
    slack.post(COMMAND, signature="v0=" + "1" * 64)
    fake_starleads.create_delay_seconds = 2.5
    slack.submit(open_form(slack, fake_slack), valid)
    fake_slack.wait_for(lambda r: "did not answer in time" in r.body.decode(errors="replace"), timeout=10)

    log = Path(debug_bot.log_path).read_text()
    sent_to_slack = "\n".join(r.body.decode(errors="replace") for r in fake_slack.requests)
    assert "DEBUG" in log, "the test must see debug output to prove anything"
    for secret in (BOT_TOKEN, API_KEY, SIGNING_SECRET):
        assert secret not in log
        assert secret not in sent_to_slack
    assert SECRET_PROMPT not in log + sent_to_slack
    assert "Traceback" not in log
    assert httpx.get(f"{debug_bot.url}/healthz").status_code == 200


def test_a_chunked_body_without_length_is_held_to_the_same_limit(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    def chunks() -> Iterator[bytes]:
        yield COMMAND.encode()
        for _ in range(40):
            yield b"&filler=" + b"x" * 10_000

    response = httpx.post(
        slack.events_url, content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"}
    )

    assert response.status_code == 413
    assert fake_slack.requests == []
