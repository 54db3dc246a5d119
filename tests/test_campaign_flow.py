"""The whole `/starleads campaign` flow through signed HTTP requests, as a user lives it."""

from __future__ import annotations

from typing import Any

from tests.conftest import opened_view
from tests.slack_driver import SlackDriver
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import COMPANY_NUMBER, PHONE_AGENT, SECRET_PROMPT, FakeStarleads

VALID = {"name": "Relance Q4", "agent_id": PHONE_AGENT, "phone_number": "01 23 45 67 89"}


def open_form(slack: SlackDriver, fake_slack: FakeSlack, channel_id: str = "C0TEAM01") -> dict[str, Any]:
    assert slack.command("campaign", channel_id=channel_id).status_code == 200
    return opened_view(fake_slack)


def texts(view_or_message: dict[str, Any]) -> str:
    """Everything a person can read in a view or message, as one string."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("plain_text", "mrkdwn") and "text" in node:
                parts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(view_or_message.get("blocks", view_or_message))
    return "\n".join(parts)


def test_submitting_a_valid_form_creates_the_campaign_and_posts_the_card(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    view = open_form(slack, fake_slack)

    ack = slack.submit(view, VALID)

    assert ack.status_code == 200
    assert ack.json()["response_action"] == "update"
    assert "Creating *Relance Q4*" in texts(ack.json()["view"])
    sent = fake_starleads.wait_creates()[0].json()
    assert sent == {
        "name": "Relance Q4",
        "agentId": PHONE_AGENT,
        "phoneNumber": COMPANY_NUMBER,
        "maxRetries": 3,
        "delayBetweenRetries": 2.0,
        "timezone": "Europe/Paris",
        "schedule": [
            {
                "day": day,
                "timeRanges": [
                    {"startTime": "09:00:00", "endTime": "12:00:00"},
                    {"startTime": "14:00:00", "endTime": "17:00:00"},
                ],
            }
            for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
        ],
    }
    card = fake_slack.wait_call("chat.postMessage")[0]
    assert card["channel"] == "C0TEAM01"
    assert card["unfurl_links"] is False
    assert "Relance Q4" in card["text"]
    shown = texts(card)
    for expected in (
        "Relance Q4",
        "Chloé — Relance",
        PHONE_AGENT,
        COMPANY_NUMBER,
        "Up to 3, 2 h apart",
        "Europe/Paris",
        "Mon–Fri 09:00–12:00, 14:00–17:00",
        "Inactive — switch it on in Starleads",
        "<@U0ALICE>",
    ):
        assert expected in shown
    assert SECRET_PROMPT not in str(card)
    update = fake_slack.wait_call("views.update")[-1]
    assert update["view_id"] == view["id"]
    assert "is created in Starleads" in texts(update["view"])
