"""Stored call results reach the channel: a thread per subscription, one reply per result, a live tally."""

from __future__ import annotations

import time
import uuid
from typing import Any

from tests.call_results_driver import (
    CAMPAIGN,
    PASCAL,
    in_thread,
    post,
    query,
    root_of,
    stored,
    subscribe,
    thread_ts,
)
from tests.conftest import RunningBot
from tests.slack_driver import SlackDriver, unique_id
from tests.slack_views import texts
from tests.standins.slack_api import FakeSlack

CALLBACK = {"Tag": {"_id": "Callback_1", "Name": "Callback", "Color": "#f5a623"}, "Summary": "Call back."}


def settled(bot: RunningBot, token: str, count: int) -> list[dict[str, Any]]:
    """The subscription's stored results once `count` of them are done with (posted or dead)."""
    deadline = time.monotonic() + 10
    while True:
        rows = stored(bot, token)
        if sum(r["state"] in ("posted", "dead") for r in rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


def test_subscribing_posts_the_thread_root_with_an_empty_tally(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    channel, _ = subscribe(slack, fake_slack)

    root = root_of(fake_slack, channel)

    assert "thread_ts" not in root
    assert f"Call results for Starleads campaign `{CAMPAIGN}` will appear in this thread" in texts(root)
    assert "Call results:* none yet" in texts(root)
    assert thread_ts(bot, channel).startswith("1700000000.")


def test_a_channel_the_bot_cannot_post_in_gets_no_subscription_and_says_how(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("chat.postMessage", "not_in_channel")
    channel = unique_id("G")

    slack.command(f"subscribe {CAMPAIGN}", channel_id=channel)

    answer = fake_slack.wait_response_url()[0]
    assert answer["response_type"] == "ephemeral"
    assert "/invite @Starleads" in answer["text"]
    assert "nothing was set up" in answer["text"]
    assert "webhook" not in answer["text"]
    assert query(bot, "select * from webhook_subscriptions where channel_id = ?", channel) == []


def test_each_result_is_one_paced_reply_in_the_thread_and_the_tally_follows(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    channel, token = subscribe(slack, fake_slack)
    root_ts = thread_ts(bot, channel)
    phone, summary = f"+336{uuid.uuid4().int % 10**8:08d}", f"Agreed to a demo <!channel> {uuid.uuid4().hex}"
    first = {**PASCAL, "PhoneNumber": phone, "Result": {**PASCAL["Result"], "Summary": summary}}
    second = {**PASCAL, "AttemptCount": 2, "Result": CALLBACK}

    statuses = [post(bot, token, body).json()["status"] for body in (first, first, second)]

    assert statuses == ["stored", "duplicate", "stored"]
    replies = fake_slack.wait_timed("chat.postMessage", in_thread(channel), count=2)
    (first_at, reply), (second_at, other) = replies
    assert second_at - first_at >= 0.9  # about one message a second per channel
    assert {reply["thread_ts"], other["thread_ts"]} == {root_ts}
    shown = texts(reply)
    assert f"+33 {phone[3]} •• •• •• {phone[-2:]}" in shown
    assert phone not in str(reply)
    for expected in ("*Appointment*", "Paul", "attempt 1"):
        assert expected in shown
    assert summary.replace("<", "&lt;").replace(">", "&gt;") in shown
    assert "*Callback*" in texts(other)
    assert "attempt 2" in texts(other)
    rows = settled(bot, token, 2)
    assert [r["state"] for r in rows] == ["posted", "posted"]
    assert reply["metadata"] == {
        "event_type": "starleads_call_result",
        "event_payload": {"result_id": rows[0]["id"]},
    }
    assert other["metadata"]["event_payload"] == {"result_id": rows[1]["id"]}
    assert all(r["reply_ts"] for r in rows)

    tallies = fake_slack.wait_timed(
        "chat.update", lambda c: c.get("ts") == root_ts and "Callback 1" in texts(c), timeout=15
    )
    update = tallies[0][1]
    assert update["channel"] == channel
    assert "Appointment 1 · Callback 1" in texts(update)
    assert CAMPAIGN in texts(update)

    assert len(fake_slack.calls("chat.postMessage")) == 3  # the root and two replies: the duplicate isn't
    assert fake_slack.calls("conversations.replies") == []  # fresh results: no thread to read back
    log = bot.log()
    assert f"result_posted result={rows[0]['id']} channel={channel}" in log
    for private in (phone, summary, "Paul"):
        assert private not in log


def test_an_error_status_stands_out(bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack) -> None:
    channel, token = subscribe(slack, fake_slack)

    post(bot, token, {**PASCAL, "RunningStatus": "Error", "Result": {}})

    reply = fake_slack.wait_timed("chat.postMessage", in_thread(channel))[0][1]
    assert reply["text"].startswith("Error: ")
    assert ":rotating_light: *Error*" in texts(reply)
    assert "No tag" in texts(reply)
    fake_slack.wait_timed("chat.update", lambda c: c.get("channel") == channel)


def test_a_rate_limited_reply_waits_for_retry_after(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    channel, token = subscribe(slack, fake_slack)
    root_of(fake_slack, channel)
    fake_slack.fail("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "2"})

    post(bot, token, PASCAL)

    (refused_at, _), (posted_at, reply) = fake_slack.wait_timed(
        "chat.postMessage", in_thread(channel), count=2
    )
    assert posted_at - refused_at >= 1.9
    assert "*Appointment*" in texts(reply)
    assert [r["state"] for r in settled(bot, token, 1)] == ["posted"]
    fake_slack.wait_timed("chat.update", lambda c: c.get("channel") == channel)


def test_a_reply_that_keeps_failing_ends_dead_with_a_note_in_the_thread(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    channel, token = subscribe(slack, fake_slack)
    root_of(fake_slack, channel)
    fake_slack.fail("chat.postMessage", "internal_error", times=4)

    post(bot, token, PASCAL)

    calls = fake_slack.wait_timed("chat.postMessage", in_thread(channel), count=5, timeout=20)
    note = calls[-1][1]
    assert "could not be posted" in note["text"]
    assert "metadata" not in note
    assert [r["state"] for r in stored(bot, token)] == ["dead"]
    assert (
        f"result_dead result={stored(bot, token)[0]['id']} channel={channel} error=internal_error"
        in bot.log()
    )
    assert fake_slack.calls("chat.update") == []
