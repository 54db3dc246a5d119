"""Requests shaped to break the bot's parsing get a 4xx and one quiet log line, never a traceback."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import httpx
import pytest

from tests.conftest import RunningBot, audit, open_form
from tests.slack_driver import SlackDriver
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import PHONE_AGENT, FakeStarleads

COMMAND = urlencode({"command": "/starleads", "text": "campaign", "user_id": "U0ALICE"})


def _log_since(bot: RunningBot, start: int) -> str:
    return bot.log()[start:]


@pytest.mark.parametrize("timestamp", ["abc", "1e3", "", "99999999999999999999999", "-5"])
def test_an_unreadable_timestamp_gets_401_without_a_traceback(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack, timestamp: str
) -> None:
    start = len(bot.log())
    response = httpx.post(
        slack.events_url,
        content=COMMAND,
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": timestamp,
            "x-slack-signature": "v0=" + "0" * 64,
        },
    )

    assert response.status_code == 401
    assert "Traceback" not in _log_since(bot, start)
    assert fake_slack.requests == []


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", "[" * 20_000),
        ("application/x-www-form-urlencoded", "payload=" + "[" * 20_000),
    ],
    ids=["json", "form"],
)
def test_a_deeply_nested_body_gets_a_4xx_without_a_traceback(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack, content_type: str, body: str, signed: bool
) -> None:
    start = len(bot.log())
    response = slack.post(body, content_type=content_type, signature=None if signed else "v0=" + "0" * 64)

    assert response.status_code in {400, 401}
    assert response.status_code == 401 or signed
    assert "Traceback" not in _log_since(bot, start)
    assert fake_slack.requests == []


@pytest.mark.parametrize("actions", [{"action_id": "campaign_retry"}, "campaign_retry", 7, None, [7, "x"]])
def test_a_signed_action_whose_actions_are_not_a_list_of_objects_gets_400(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack, actions: object
) -> None:
    start = len(bot.log())
    payload = {
        "type": "block_actions",
        "team": {"id": "T0001"},
        "user": {"id": "U0ALICE"},
        "api_app_id": "A0001",
        "container": {"type": "view", "view_id": "V1"},
        "view": {"id": "V1", "callback_id": "campaign_form", "private_metadata": "{}"},
        "actions": actions,
    }

    response = slack.interact(payload)

    assert response.status_code < 500
    assert "Traceback" not in _log_since(bot, start)


def test_a_request_failing_the_signature_check_is_logged_in_one_line_without_its_body(
    bot: RunningBot, slack: SlackDriver
) -> None:
    start = len(bot.log())
    marker = "body-marker-" + "z" * 2000
    for _ in range(3):
        assert slack.post(f"{COMMAND}&filler={marker}", signature="v0=" + "0" * 64).status_code == 401

    log = bot.wait_for_log("slack_request_unverified")[start:]
    assert marker[:40] not in log
    assert log.count("slack_request_unverified") == 3
    assert len(log) < 3 * 300


def test_a_form_submitted_by_someone_other_than_its_opener_is_not_created_in_their_name(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    view = open_form(slack, fake_slack)

    answer = slack.submit(view, {"name": "Relance", "agent_id": PHONE_AGENT}, user_id="U0MALLORY").json()

    assert "opened by someone else" in json.dumps(answer["view"])
    assert fake_starleads.creates() == []
    rows = audit(bot, view["id"], count=1)
    assert [(r["user_id"], r["outcome"], r["detail"]) for r in rows] == [
        ("U0MALLORY", "denied", "form opened by another user")
    ]
