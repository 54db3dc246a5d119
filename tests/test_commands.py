"""`/starleads` and its subcommands, as typed in Slack."""

from __future__ import annotations

import pytest

from tests.slack_driver import SlackDriver
from tests.standins.slack_api import FakeSlack


@pytest.mark.parametrize("text", ["", "help", "  HELP  "])
def test_help_answers_privately_with_usage(slack: SlackDriver, fake_slack: FakeSlack, text: str) -> None:
    response = slack.command(text)

    assert response.status_code == 200
    assert response.json()["response_type"] == "ephemeral"
    assert "`/starleads campaign`" in response.json()["text"]
    assert fake_slack.calls("views.open") == []


def test_an_unknown_subcommand_is_named_back_with_usage(slack: SlackDriver) -> None:
    answer = slack.command("campain <!channel>").json()

    assert answer["response_type"] == "ephemeral"
    assert "I don't know `/starleads campain`" in answer["text"]
    assert "`/starleads campaign`" in answer["text"]


def test_an_unknown_subcommand_cannot_ping_the_channel(slack: SlackDriver) -> None:
    answer = slack.command("<!channel>").json()

    assert "<!channel>" not in answer["text"]
    assert "&lt;!channel&gt;" in answer["text"]


def test_campaign_acks_at_once_and_opens_the_form_with_the_trigger(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    response = slack.command("campaign", trigger_id="trigger.12345")

    assert response.status_code == 200
    assert response.text == ""
    opened = fake_slack.wait_call("views.open")[0]
    assert opened["trigger_id"] == "trigger.12345"
    assert opened["view"]["callback_id"] == "campaign_form"


@pytest.mark.parametrize("error", ["expired_trigger_id", "exchanged_trigger_id"])
def test_when_the_trigger_is_spent_the_user_is_asked_to_run_the_command_again(
    slack: SlackDriver, fake_slack: FakeSlack, error: str
) -> None:
    fake_slack.fail("views.open", error)

    slack.command("campaign")

    note = fake_slack.wait_response_url()[0]
    assert note["response_type"] == "ephemeral"
    assert "took too long" in note["text"]
    assert "Please run `/starleads campaign` again" in note["text"]


def test_the_form_opens_when_slack_closed_the_kept_alive_connections_it_went_out_on(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    """Slack may close an idle connection just as a call goes out on it, and the next one in the pool
    may be as old: the form is sent again on another, not lost (nor left to wait out a backoff)."""
    fake_slack.drop_connection("views.open", times=2)

    slack.command("campaign", trigger_id="trigger.dropped")

    attempts = fake_slack.wait_call("views.open", count=3)
    assert [attempt["trigger_id"] for attempt in attempts] == ["trigger.dropped"] * 3
    assert attempts[-1]["view"]["callback_id"] == "campaign_form"
    assert fake_slack.response_url_posts() == []  # no "couldn't reach Slack" note


@pytest.mark.parametrize("subcommand", ["campaign", "subscribe 66f1b2d0016e6d3e9353ab85"])
def test_a_command_with_ids_that_are_not_slacks_is_refused_politely_naming_it(
    slack: SlackDriver, fake_slack: FakeSlack, subcommand: str
) -> None:
    answer = slack.command(subcommand, channel_id="not a channel").json()

    assert answer["response_type"] == "ephemeral"
    name = subcommand.split()[0]
    assert answer["text"] == f"Sorry, I couldn't read that command. Please try `/starleads {name}` again."
    assert fake_slack.calls("views.open") == []
    assert fake_slack.calls("chat.postMessage") == []
