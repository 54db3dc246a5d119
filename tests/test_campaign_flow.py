"""The whole `/starleads campaign` flow through signed HTTP requests, as a user lives it."""

from __future__ import annotations

import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.call_results_driver import WEBHOOK_URL
from tests.conftest import RunningBot, open_form
from tests.slack_driver import SlackDriver, unique_id
from tests.slack_views import final_view, texts
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import COMPANY_NUMBER, PHONE_AGENT, SECRET_PROMPT, FakeStarleads

VALID = {"name": "Relance Q4", "agent_id": PHONE_AGENT, "phone_number": "01 23 45 67 89"}


def test_submitting_a_valid_form_creates_the_campaign_and_posts_the_card(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    channel = unique_id("C")
    view = open_form(slack, fake_slack, channel)

    ack = slack.submit(view, VALID)

    assert ack.status_code == 200
    assert ack.json()["response_action"] == "update"
    assert "Creating *Relance Q4*" in texts(ack.json()["view"])
    sent = fake_starleads.wait_creates()[0].json()
    assert WEBHOOK_URL.fullmatch(sent.pop("webhookUrl"))  # call results come to this channel by default
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
    assert card["channel"] == channel
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
        "Call results:* none yet",
    ):
        assert expected in shown
    assert SECRET_PROMPT not in str(card)
    assert "/starleads/webhook/" not in str(card)  # the address is a credential: never shown
    created = final_view(fake_slack, view["id"])
    assert "is created in Starleads" in texts(created)
    assert "The card is posted in" in texts(created)
    assert "Call results will be posted in its thread" in texts(created)


def inputs_of(view: dict[str, Any]) -> dict[str, Any]:
    return {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}


def note_under(view: dict[str, Any], block_id: str) -> str:
    """The warning shown right under a field after Starleads refused the campaign."""
    blocks = view["blocks"]
    index = next(i for i, b in enumerate(blocks) if b.get("block_id") == block_id)
    following = blocks[index + 1]
    assert following["type"] == "context", f"no note under {block_id}"
    return following["elements"][0]["text"]


def submit_and_wait_outcome(
    slack: SlackDriver, fake_slack: FakeSlack, values: dict[str, Any], channel_id: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    view = open_form(slack, fake_slack, channel_id)
    assert slack.submit(view, values).json()["response_action"] == "update"
    return view, final_view(fake_slack, view["id"])


def test_a_phone_number_starleads_refuses_sends_the_user_back_to_the_filled_form(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    typed = {
        **VALID,
        "phone_number": "06 12 34 56 78",
        "delay_hours": "1.5",
        "webhook_url": "https://crm.example/x",
    }

    _, form = submit_and_wait_outcome(slack, fake_slack, typed)

    assert form["callback_id"] == "campaign_form"
    assert "+33612345678 is not one of your company's phone numbers" in note_under(form, "phone_number")
    kept = inputs_of(form)
    assert kept["name"]["initial_value"] == "Relance Q4"
    assert kept["agent_id"]["initial_value"] == PHONE_AGENT
    assert kept["phone_number"]["initial_value"] == "06 12 34 56 78"
    assert kept["delay_hours"]["initial_value"] == "1.5"
    assert kept["webhook_url"]["initial_value"] == "https://crm.example/x"
    assert fake_slack.calls("chat.postMessage") == []


def test_a_refusal_in_words_lands_under_the_field_it_names(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    _, form = submit_and_wait_outcome(slack, fake_slack, {**VALID, "phone_number": None})

    assert "A phone number is required for agents of channel Phone" in note_under(form, "phone_number")


def test_an_unknown_agent_is_flagged_on_the_agent_field(slack: SlackDriver, fake_slack: FakeSlack) -> None:
    _, form = submit_and_wait_outcome(slack, fake_slack, {**VALID, "agent_id": "65aaaaaaaaaaaaaaaaaaaaaa"})

    assert "No agent exists with agentId : 65aaaaaaaaaaaaaaaaaaaaaa" in note_under(form, "agent_id")


def test_a_refused_api_key_is_explained_above_the_kept_form(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_starleads.answer_next_create(
        401, {"title": "Unauthorized", "status": 401, "detail": "Invalid API key"}
    )

    _, form = submit_and_wait_outcome(slack, fake_slack, VALID)

    assert "Starleads refused this bot's API key" in form["blocks"][0]["text"]["text"]
    assert "STARLEADS_API_KEY" in form["blocks"][0]["text"]["text"]
    assert inputs_of(form)["name"]["initial_value"] == "Relance Q4"


def test_a_problem_naming_no_field_is_shown_above_the_form(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_starleads.answer_next_create(
        400, {"title": "Bad Request", "status": 400, "detail": "Quota exceeded"}
    )

    _, form = submit_and_wait_outcome(slack, fake_slack, VALID)

    assert "Starleads refused the campaign: Quota exceeded" in form["blocks"][0]["text"]["text"]


def test_a_server_error_offers_to_try_again_and_trying_again_creates_it_once(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_starleads.answer_next_create(500, {"title": "Internal Server Error", "status": 500})
    view, failed = submit_and_wait_outcome(slack, fake_slack, VALID)

    assert "Starleads had a problem on its side (HTTP 500)" in texts(failed)
    assert "Nothing was created. Everything you typed is kept" in texts(failed)
    assert slack.click({**failed, "id": view["id"]}, "campaign_retry").status_code == 200

    fake_starleads.wait_creates(count=2)
    fake_slack.wait_call("chat.postMessage")
    assert "is created in Starleads" in texts(fake_slack.wait_view_update(view["id"], count=3)["view"])
    assert len(fake_starleads.creates()) == 2


def test_a_timeout_says_the_campaign_may_exist(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_starleads.create_delay_seconds = 2.5

    _, failed = submit_and_wait_outcome(slack, fake_slack, VALID)

    assert "did not answer in time" in texts(failed)
    assert "Check the campaign list in Starleads before you try again" in texts(failed)
    assert fake_slack.calls("chat.postMessage") == []


def test_an_answer_without_an_id_is_not_taken_for_a_campaign(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_starleads.answer_next_create(200, {"name": "Relance Q4"})

    _, failed = submit_and_wait_outcome(slack, fake_slack, VALID)

    assert "can't tell whether it was created" in texts(failed)
    assert "Check the campaign list in Starleads" in texts(failed)
    assert fake_slack.calls("chat.postMessage") == []


def test_edit_the_form_after_a_failure_brings_back_everything_typed(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_starleads.answer_next_create(503, {"title": "Service Unavailable", "status": 503})
    typed = {**VALID, "max_retries": "2", "schedule": "mardi et jeudi 9h-11h", "timezone": "Indian/Reunion"}
    view, failed = submit_and_wait_outcome(slack, fake_slack, typed)

    slack.click({**failed, "id": view["id"]}, "campaign_edit")

    form = fake_slack.wait_view_update(view["id"], count=2)["view"]
    kept = inputs_of(form)
    assert kept["max_retries"]["initial_value"] == "2"
    assert kept["schedule"]["initial_value"] == "mardi et jeudi 9h-11h"
    assert kept["timezone"]["initial_option"]["value"] == "Indian/Reunion"
    assert kept["phone_number"]["initial_value"] == "01 23 45 67 89"


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found"])
def test_where_the_bot_is_not_a_member_the_card_goes_through_the_command_and_the_user_learns_to_invite_once(
    slack: SlackDriver, fake_slack: FakeSlack, error: str
) -> None:
    channel = unique_id("G")
    for attempt in range(2):
        fake_slack.clear()
        fake_slack.fail("chat.postMessage", error)
        _, created = submit_and_wait_outcome(slack, fake_slack, VALID, channel_id=channel)
        posts = fake_slack.wait_response_url(count=2 if attempt == 0 else 1)
        assert posts[0]["response_type"] == "in_channel"
        assert "Relance Q4" in texts(posts[0])
        assert "/invite @Starleads" in texts(created)
        tips = [p for p in fake_slack.response_url_posts() if p.get("response_type") == "ephemeral"]
        assert len(tips) == (1 if attempt == 0 else 0)


def test_when_the_card_cannot_be_posted_the_user_is_told_the_campaign_exists(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("chat.postMessage", "is_archived")

    _, created = submit_and_wait_outcome(slack, fake_slack, VALID)

    assert "couldn't post the card" in texts(created)
    assert "is created in Starleads" in texts(created)


def test_when_the_form_cannot_be_updated_the_card_still_reaches_the_channel(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("views.update", "not_found", times=5)
    channel = unique_id("C")
    view = open_form(slack, fake_slack, channel)

    slack.submit(view, VALID)

    card = fake_slack.wait_call("chat.postMessage")[0]
    assert card["channel"] == channel
    assert "Relance Q4" in card["text"]


def test_slack_rate_limits_on_the_card_are_waited_out_after_the_ack(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "1"})
    fake_slack.fail("chat.postMessage", "internal_error")

    view, created = submit_and_wait_outcome(slack, fake_slack, VALID)

    assert len(fake_slack.calls("chat.postMessage")) == 3
    assert "The card is posted in" in texts(created)
    early = fake_slack.wait_view_update(view["id"])["view"]
    assert "is created in Starleads" in texts(early)  # said at once, before the card's retries
    assert "Posting its card" in texts(early)


def test_the_same_form_submitted_twice_at_once_creates_one_campaign(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_starleads.create_delay_seconds = 0.5
    view = open_form(slack, fake_slack)

    with ThreadPoolExecutor(4) as pool:
        acks = list(pool.map(lambda _: slack.submit(view, VALID), range(4)))

    assert [a.status_code for a in acks] == [200] * 4
    assert all(a.json()["response_action"] == "update" for a in acks)
    fake_slack.wait_call("chat.postMessage")
    final_view(fake_slack, view["id"])
    again = slack.submit(view, VALID).json()
    assert "Creating *Relance Q4*" in texts(again["view"])  # the ack, before the database is asked
    answer = fake_slack.wait_view_update(view["id"], count=3)["view"]
    assert "already created from this form" in texts(answer)
    assert "nothing was created twice" in texts(answer)
    time.sleep(0.3)
    assert len(fake_starleads.creates()) == 1
    assert len(fake_slack.calls("chat.postMessage")) == 1


def test_the_next_form_in_a_channel_remembers_agent_phone_timezone_and_retries(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    channel = unique_id("C")
    submit_and_wait_outcome(
        slack, fake_slack, {**VALID, "timezone": "Europe/Brussels", "max_retries": "4"}, channel_id=channel
    )
    fake_slack.wait_call("chat.postMessage")

    kept = inputs_of(open_form(slack, fake_slack, channel))

    assert kept["agent_id"]["initial_value"] == PHONE_AGENT
    assert kept["phone_number"]["initial_value"] == COMPANY_NUMBER
    assert kept["timezone"]["initial_option"]["value"] == "Europe/Brussels"
    assert kept["max_retries"]["initial_value"] == "4"
    assert "initial_value" not in kept["name"]


def test_a_failure_after_the_form_was_closed_reaches_the_user_privately(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_starleads.answer_next_create(503, {"title": "Service Unavailable", "status": 503})
    fake_slack.fail("views.update", "not_found")
    view = open_form(slack, fake_slack)

    slack.submit(view, VALID)

    note = fake_slack.wait_response_url()[0]
    assert note["response_type"] == "ephemeral"
    assert "I couldn't create “Relance Q4”" in note["text"]
    assert "HTTP 503" in note["text"]


def test_when_the_database_cannot_save_a_submission_the_filled_form_comes_back_and_nothing_is_sent(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    channel = unique_id("C")
    database = sqlite3.connect(bot.log_path.parent / "bot.db")
    trigger = f"refuse_{channel}"
    database.execute(
        f"CREATE TRIGGER {trigger} BEFORE INSERT ON campaign_creations WHEN NEW.channel_id = '{channel}' "
        "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
    )
    database.commit()
    try:
        view = open_form(slack, fake_slack, channel)
        slack.submit(view, {**VALID, "max_retries": "2"})
        form = final_view(fake_slack, view["id"])
    finally:
        database.execute(f"DROP TRIGGER {trigger}")
        database.commit()
        database.close()

    assert form["callback_id"] == "campaign_form"
    assert "couldn't save this campaign just now, so nothing was sent to Starleads" in texts(form)
    kept = inputs_of(form)
    assert kept["name"]["initial_value"] == "Relance Q4"
    assert kept["max_retries"]["initial_value"] == "2"
    assert fake_starleads.creates() == []
    assert "campaign_claim_failed" in bot.log()
