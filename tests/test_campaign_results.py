"""A campaign created from Slack brings its call results back under its own card, by default."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import httpx

from tests.call_results_driver import (
    CAMPAIGN_FORM,
    PASCAL,
    campaign_id_in,
    create,
    post,
    query,
    stored,
    subscription_of,
    token_in,
)
from tests.conftest import RELEASE_SQLITE, RunningBot, open_form, serving
from tests.slack_driver import SlackDriver, unique_id
from tests.slack_views import final_view, texts
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import FakeStarleads


def test_call_results_of_a_new_campaign_land_in_its_cards_thread_and_the_card_keeps_the_tally(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    channel, sent, created = create(slack, fake_slack, fake_starleads)
    token = token_in(sent)
    card_ts = subscription_of(bot, channel)["thread_ts"]
    campaign_id = campaign_id_in(created)

    answer = post(bot, token, {**PASCAL, "CampaignId": campaign_id})

    assert answer.json() == {"status": "stored"}
    reply = fake_slack.wait_timed("chat.postMessage", lambda c: c.get("thread_ts") == card_ts)[0][1]
    assert reply["channel"] == channel
    assert "*Appointment*" in texts(reply)
    update = fake_slack.wait_timed("chat.update", lambda c: c.get("ts") == card_ts, timeout=15)[0][1]
    shown = texts(update)
    for still_there in ("New campaign: Relance Q4", campaign_id, "Mon–Fri 09:00–12:00, 14:00–17:00"):
        assert still_there in shown
    assert "Call results:* Appointment 1" in shown
    assert shown.count("Call results:*") == 1
    assert [row["campaign_id"] for row in stored(bot, token)] == [campaign_id]


def test_unticked_results_send_the_users_own_webhook_to_starleads_and_set_up_nothing(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    own = "https://crm.example/hooks/starleads"

    channel, sent, created = create(
        slack, fake_slack, fake_starleads, {"webhook_url": own, "post_results": []}
    )

    assert sent["webhookUrl"] == own
    assert query(bot, "select * from webhook_subscriptions where channel_id = ?", channel) == []
    card = fake_slack.wait_call("chat.postMessage")[0]
    assert "Call results" not in texts(card)
    assert "https://crm.example" in texts(card)
    assert "/hooks/starleads" not in texts(card)  # a URL's path and query often carry its secret
    assert "Call results" not in texts(created)


def test_a_refused_campaign_leaves_no_working_results_address(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_starleads.answer_next_create(
        400, {"title": "Bad Request", "status": 400, "detail": "Quota exceeded"}
    )

    channel, sent, form = create(slack, fake_slack, fake_starleads)

    assert form["callback_id"] == "campaign_form"
    assert post(bot, token_in(sent), PASCAL).status_code == 404
    assert query(bot, "select * from webhook_subscriptions where channel_id = ?", channel) == []


def test_each_try_of_the_same_form_gets_its_own_address_and_the_created_one_feeds_the_card(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_starleads.answer_next_create(500, {"title": "Internal Server Error", "status": 500})
    channel = unique_id("C")
    view = open_form(slack, fake_slack, channel)
    slack.submit(view, CAMPAIGN_FORM)
    failed = final_view(fake_slack, view["id"])

    slack.click({**failed, "id": view["id"]}, "campaign_retry")

    first, second = (token_in(r.json()) for r in fake_starleads.wait_creates(count=2))
    assert first != second
    created = final_view(fake_slack, view["id"], after=2)
    assert "is created in Starleads" in texts(created)
    assert post(bot, first, PASCAL).status_code == 404  # that try created nothing
    assert post(bot, second, PASCAL).json() == {"status": "stored"}
    card_ts = subscription_of(bot, channel)["thread_ts"]
    assert fake_slack.wait_timed("chat.postMessage", lambda c: c.get("thread_ts") == card_ts)


def test_where_the_bot_cannot_post_results_are_kept_until_subscribe_opens_a_thread(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_slack.fail("chat.postMessage", "not_in_channel")
    channel = unique_id("G")
    _, sent, created = create(slack, fake_slack, fake_starleads, channel=channel)
    campaign_id = campaign_id_in(created)
    assert f"/starleads subscribe {campaign_id}" in texts(created)
    card = fake_slack.wait_response_url()[0]
    assert "Relance Q4" in texts(card)
    assert "Call results" not in texts(card)  # no thread there for the bot to fill
    token = token_in(sent)

    assert post(bot, token, PASCAL).json() == {"status": "stored"}
    assert post(bot, token, {**PASCAL, "AttemptCount": 2}).json() == {"status": "stored"}
    assert [row["state"] for row in stored(bot, token)] == ["pending", "pending"]

    fake_slack.clear()
    slack.command(f"subscribe {campaign_id}", channel_id=channel)  # after `/invite @Starleads`

    answer = fake_slack.wait_response_url()[0]
    assert "already sends its call results to this channel" in answer["text"]
    assert "/starleads/webhook/" not in answer["text"]
    root_ts = subscription_of(bot, channel)["thread_ts"]
    replies = fake_slack.wait_timed("chat.postMessage", lambda c: c.get("thread_ts") == root_ts, count=2)
    assert {reply["channel"] for _, reply in replies} == {channel}


def test_without_a_public_url_the_form_does_not_offer_results_and_sends_the_users_webhook(
    bot_without_public_url: RunningBot, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_slack.reset()
    fake_starleads.reset()
    driver = SlackDriver(bot_without_public_url.url, fake_slack.response_url())
    own = "https://crm.example/hooks/in"
    view = open_form(driver, fake_slack)

    driver.submit(view, {**CAMPAIGN_FORM, "webhook_url": own})

    assert "post_results" not in [block.get("block_id") for block in view["blocks"]]
    assert fake_starleads.wait_creates()[0].json()["webhookUrl"] == own
    assert "Call results" not in texts(fake_slack.wait_call("chat.postMessage")[0])
    assert httpx.get(f"{bot_without_public_url.url}/healthz").status_code == 200


def test_after_a_refused_retry_the_campaign_the_first_try_did_create_gets_its_card_and_its_results(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_starleads.create_delay_seconds = 2.5  # longer than the bot waits: that try's outcome is unknown
    channel = unique_id("C")
    view = open_form(slack, fake_slack, channel)
    slack.submit(view, CAMPAIGN_FORM)
    unknown = final_view(fake_slack, view["id"])
    assert "may or may not have been created" in texts(unknown)
    fake_starleads.create_delay_seconds = 0
    fake_starleads.answer_next_create(
        400, {"title": "Bad Request", "status": 400, "detail": "Quota exceeded"}
    )

    slack.click({**unknown, "id": view["id"]}, "campaign_retry")

    first, second = (token_in(r.json()) for r in fake_starleads.wait_creates(count=2))
    assert "Quota exceeded" in texts(final_view(fake_slack, view["id"], after=2))
    assert post(bot, second, PASCAL).status_code == 404  # refused: that try created nothing
    # Starleads did create the first try's campaign: the bot finds it in the campaign list.
    card = fake_slack.wait_call("chat.postMessage", timeout=15)[0]
    assert card["channel"] == channel
    assert "Starleads answered late: this campaign was created after all." in texts(card)
    assert "is created in Starleads" in texts(final_view(fake_slack, view["id"], after=3))
    assert post(bot, first, PASCAL).json() == {"status": "stored"}
    card_ts = subscription_of(bot, channel)["thread_ts"]
    assert fake_slack.wait_timed("chat.postMessage", lambda c: c.get("thread_ts") == card_ts)


def test_the_campaign_kept_in_the_database_has_no_results_token(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    channel, sent, _ = create(slack, fake_slack, fake_starleads)
    token = token_in(sent)
    assert fake_starleads.campaigns[-1]["webhookUrl"] == sent["webhookUrl"]  # Starleads echoes it back

    rows = query(bot, "select * from campaign_creations where channel_id = ?", channel)

    assert [row["state"] for row in rows] == ["created"]
    assert token not in json.dumps(rows)
    kept = json.loads(rows[0]["campaign_json"])
    assert kept["webhookUrl"] == "https://bot.example.com/starleads/webhook/[token-removed]"
    assert kept["id"] == fake_starleads.campaigns[-1]["id"]


def test_tokens_kept_by_an_earlier_version_are_removed_when_it_upgrades(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path: Path
) -> None:
    shutil.copyfile(RELEASE_SQLITE, tmp_path / "bot.db")  # release 0.1.0 kept a campaign with its token
    with sqlite3.connect(tmp_path / "bot.db") as release:
        [(kept,)] = release.execute("select campaign_json from campaign_creations where key = 'V0CREATED'")
    token = json.loads(kept)["webhookUrl"].rsplit("/", 1)[1]

    for bot in serving(fake_slack, fake_starleads, tmp_path):
        [row] = query(bot, "select campaign_json from campaign_creations where key = 'V0CREATED'")

        assert token not in row["campaign_json"]
        assert json.loads(row["campaign_json"])["webhookUrl"].endswith("/starleads/webhook/[token-removed]")
        assert "database_upgraded from=none to=" in bot.log()
