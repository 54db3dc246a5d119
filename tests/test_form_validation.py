"""Every field of the form: valid, boundary and invalid values, as the user submits them.

An invalid value must come back in the submission's ack as an error on that field's block, with
words that say how to fix it, and must never reach Starleads.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import open_form
from tests.slack_driver import SlackDriver
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import COMPANY_NUMBER, PHONE_AGENT, WEB_AGENT, FakeStarleads

BASE = {"name": "Relance Q4", "agent_id": WEB_AGENT}


def submit(slack: SlackDriver, fake_slack: FakeSlack, values: dict[str, Any]) -> dict[str, Any]:
    response = slack.submit(open_form(slack, fake_slack), {**BASE, **values})
    assert response.status_code == 200
    return response.json()


def window(start: str, end: str) -> list[dict[str, str]]:
    return [{"startTime": start, "endTime": end}]


VALID_CASES = [
    pytest.param({"name": "x" * 200}, "name", "x" * 200, id="name-200-chars"),
    pytest.param({"name": "  Relance  "}, "name", "Relance", id="name-trimmed"),
    pytest.param(
        {"agent_id": PHONE_AGENT, "phone_number": "01 23 45 67 89"},
        "phoneNumber",
        COMPANY_NUMBER,
        id="phone-french-national",
    ),
    pytest.param(
        {"agent_id": PHONE_AGENT, "phone_number": "+33 1 23 45 67 89"},
        "phoneNumber",
        COMPANY_NUMBER,
        id="phone-international-spaces",
    ),
    pytest.param(
        {"agent_id": PHONE_AGENT, "phone_number": "0033123456789"},
        "phoneNumber",
        COMPANY_NUMBER,
        id="phone-00-prefix",
    ),
    pytest.param({"phone_number": None}, "phoneNumber", None, id="phone-empty-for-web-agent"),
    pytest.param({"max_retries": "1"}, "maxRetries", 1, id="retries-min"),
    pytest.param({"max_retries": "4"}, "maxRetries", 4, id="retries-max"),
    pytest.param({"delay_hours": "0.5"}, "delayBetweenRetries", 0.5, id="delay-decimal"),
    pytest.param({"delay_hours": "1,5"}, "delayBetweenRetries", 1.5, id="delay-french-comma"),
    pytest.param({"delay_hours": "0.01"}, "delayBetweenRetries", 0.01, id="delay-just-above-zero"),
    pytest.param(
        {"webhook_url": "https://example.com/hooks/starleads", "post_results": []},
        "webhookUrl",
        "https://example.com/hooks/starleads",
        id="webhook-https",
    ),
    pytest.param(
        {"webhook_url": "http://crm.example.org:8080/in", "post_results": []},
        "webhookUrl",
        "http://crm.example.org:8080/in",
        id="webhook-http-port",
    ),
    pytest.param({"webhook_url": None, "post_results": []}, "webhookUrl", None, id="webhook-empty"),
    pytest.param({"timezone": "America/Martinique"}, "timezone", "America/Martinique", id="timezone-other"),
    pytest.param(
        {"schedule": "Saturday morning"},
        "schedule",
        [{"day": "Saturday", "timeRanges": window("09:00:00", "12:00:00")}],
        id="schedule-in-words",
    ),
    pytest.param(
        {"schedule": "le lundi de 0h à 23h59"},
        "schedule",
        [{"day": "Monday", "timeRanges": window("00:00:00", "23:59:00")}],
        id="schedule-whole-day-in-french",
    ),
    pytest.param(
        {"schedule": "Sun 8-12 and 12-13"},
        "schedule",
        [{"day": "Sunday", "timeRanges": window("08:00:00", "13:00:00")}],
        id="touching-windows-merge",
    ),
]


@pytest.mark.parametrize(("values", "api_field", "sent"), VALID_CASES)
def test_valid_values_reach_starleads_as_the_api_expects(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    fake_starleads: FakeStarleads,
    values: dict[str, Any],
    api_field: str,
    sent: Any,
) -> None:
    ack = submit(slack, fake_slack, values)

    assert ack["response_action"] == "update", ack
    body = fake_starleads.wait_creates()[0].json()
    assert body.get(api_field) == sent


INVALID_CASES = [
    pytest.param({"name": None}, "name", "Give the campaign a name", id="name-missing"),
    pytest.param({"name": "   "}, "name", "Give the campaign a name", id="name-blank"),
    pytest.param({"name": "x" * 201}, "name", "200 characters at most (it has 201)", id="name-201-chars"),
    pytest.param({"agent_id": None}, "agent_id", "Enter the ID of the Starleads agent", id="agent-missing"),
    pytest.param({"agent_id": "my agent"}, "agent_id", "letters, digits, - and _", id="agent-with-space"),
    pytest.param({"agent_id": "../Campaign"}, "agent_id", "not “.”, “/”", id="agent-path-traversal"),
    pytest.param(
        {"phone_number": "12345"},
        "phone_number",
        "international form (+33 1 23 45 67 89)",
        id="phone-too-short",
    ),
    pytest.param(
        {"phone_number": "call me"}, "phone_number", "“call me” is not a phone number", id="phone-words"
    ),
    pytest.param({"max_retries": "0"}, "max_retries", "from 1 to 4", id="retries-below-min"),
    pytest.param({"max_retries": "5"}, "max_retries", "5 is out of range", id="retries-above-max"),
    pytest.param({"max_retries": "2.5"}, "max_retries", "whole number", id="retries-decimal"),
    pytest.param({"max_retries": None}, "max_retries", "enter one, e.g. 3", id="retries-missing"),
    pytest.param({"delay_hours": "0"}, "delay_hours", "more than 0 hours", id="delay-zero"),
    pytest.param({"delay_hours": "-2"}, "delay_hours", "more than 0 hours", id="delay-negative"),
    pytest.param({"delay_hours": "two"}, "delay_hours", "“two” is not a number", id="delay-words"),
    pytest.param({"delay_hours": "nan"}, "delay_hours", "more than 0 hours", id="delay-nan"),
    pytest.param({"delay_hours": None}, "delay_hours", "Enter the delay", id="delay-missing"),
    pytest.param(
        {"webhook_url": "ftp://example.com/x"}, "webhook_url", "must start with https://", id="webhook-ftp"
    ),
    pytest.param(
        {"webhook_url": "example.com/hook"}, "webhook_url", "must start with https://", id="webhook-no-scheme"
    ),
    pytest.param({"webhook_url": "https://"}, "webhook_url", "needs a host name", id="webhook-no-host"),
    pytest.param(
        {"timezone": "Mars/Olympus_Mons"}, "timezone", "not a timezone Starleads knows", id="timezone-unknown"
    ),
    pytest.param({"schedule": None}, "schedule", "Say when to call", id="schedule-empty"),
    pytest.param(
        {"schedule": "Mon-Fri banana"}, "schedule", 'I don\'t understand "banana"', id="schedule-unknown-word"
    ),
    pytest.param(
        {"schedule": "tomorrow 9-12"}, "schedule", "a schedule repeats every week", id="schedule-one-off"
    ),
    pytest.param({"schedule": "Mon 17h-9h"}, "schedule", "before it starts", id="schedule-backwards"),
    pytest.param({"schedule": "Mon 9-25"}, "schedule", "25", id="schedule-impossible-time"),
]


@pytest.mark.parametrize(("values", "block_id", "message"), INVALID_CASES)
def test_invalid_values_get_an_error_next_to_their_field_and_never_reach_starleads(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    fake_starleads: FakeStarleads,
    values: dict[str, Any],
    block_id: str,
    message: str,
) -> None:
    ack = submit(slack, fake_slack, values)

    assert ack["response_action"] == "errors"
    assert message in ack["errors"][block_id]
    assert fake_starleads.creates() == []


def test_every_problem_is_reported_at_once(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    ack = submit(slack, fake_slack, {"name": None, "max_retries": "9", "delay_hours": "0", "schedule": "9-"})

    assert set(ack["errors"]) == {"name", "max_retries", "delay_hours", "schedule"}


def test_the_form_opens_with_the_documented_defaults(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    view = open_form(slack, fake_slack, channel_id="C0FRESH01")
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}

    assert view["title"]["text"] == "New Starleads campaign"
    assert list(inputs) == [
        "name",
        "agent_id",
        "phone_number",
        "schedule",
        "timezone",
        "max_retries",
        "delay_hours",
        "webhook_url",
        "post_results",
    ]
    optional = {block_id for block_id, block in inputs.items() if block["optional"]}
    assert optional == {"phone_number", "webhook_url", "post_results"}
    results = inputs["post_results"]["element"]
    assert [o["text"]["text"] for o in results["initial_options"]] == ["Post call results to this channel"]
    assert inputs["schedule"]["element"]["initial_value"] == "Mon–Fri 09:00–12:00, 14:00–17:00"
    assert inputs["schedule"]["dispatch_action"] is True
    assert inputs["schedule"]["element"]["dispatch_action_config"] == {
        "trigger_actions_on": ["on_enter_pressed"]
    }
    preview = view["blocks"][[b.get("block_id") for b in view["blocks"]].index("schedule") + 1]
    assert preview["block_id"] == "schedule_preview"
    assert (
        preview["elements"][0]["text"] == ":white_check_mark: Mon–Fri 09:00–12:00, 14:00–17:00 (Europe/Paris)"
    )
    assert inputs["timezone"]["element"]["initial_option"]["value"] == "Europe/Paris"
    assert inputs["max_retries"]["element"]["initial_value"] == "3"
    assert inputs["max_retries"]["element"]["min_value"] == "1"
    assert inputs["max_retries"]["element"]["max_value"] == "4"
    assert inputs["delay_hours"]["element"]["initial_value"] == "2"
    assert inputs["delay_hours"]["element"]["is_decimal_allowed"] is True
    assert inputs["webhook_url"]["element"]["type"] == "url_text_input"
    zones = [o["value"] for g in inputs["timezone"]["element"]["option_groups"] for o in g["options"]]
    assert "Europe/Paris" in zones
    assert 20 < len(zones) <= 100
