"""A user who typed a webhook URL of their own still gets every call result there, unchanged."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.call_results_driver import PASCAL, create, post, stored, subscription_of, token_in
from tests.conftest import RunningBot, serving
from tests.slack_driver import SlackDriver
from tests.slack_views import texts
from tests.standins.customer_webhook import CustomerWebhook
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import FakeStarleads

SECRET_QUERY = "key=crm-s3cret-123"


@pytest.fixture
def forwarding(
    hook: CustomerWebhook, slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> tuple[str, str]:
    """A campaign created with results on and the team's own webhook typed in: (channel, token)."""
    own = f"{hook.url}/hooks/starleads?{SECRET_QUERY}"
    channel, sent, _ = create(slack, fake_slack, fake_starleads, {"webhook_url": own})
    return channel, token_in(sent)


def forward_state(bot: RunningBot, token: str, count: int = 1, timeout: float = 10) -> list[str | None]:
    """The results' forwarding states, once none is waiting any more (or at the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        states = [row["forward_state"] for row in stored(bot, token)]
        settled = len(states) >= count and all(s in ("forwarded", "dead") for s in states)
        if settled or time.monotonic() > deadline:
            return states
        time.sleep(0.05)


def in_thread(bot: RunningBot, channel: str) -> Any:
    root = subscription_of(bot, channel)["thread_ts"]
    return lambda call: call.get("channel") == channel and call.get("thread_ts") == root


def test_each_result_reaches_the_teams_own_webhook_byte_for_byte_and_the_thread_too(
    bot: RunningBot, fake_slack: FakeSlack, hook: CustomerWebhook, forwarding: tuple[str, str]
) -> None:
    channel, token = forwarding
    raw = json.dumps(PASCAL, indent=3, ensure_ascii=False) + "\n"  # as Starleads formats it, kept as is

    assert post(bot, token, raw).json() == {"status": "stored"}
    assert post(bot, token, raw).json() == {"status": "duplicate"}

    received = hook.wait_for(lambda r: r.path == "/hooks/starleads")
    assert received[0].body == raw.encode()
    assert received[0].method == "POST"
    assert received[0].headers["content-type"] == "application/json"
    assert received[0].query == {"key": "crm-s3cret-123"}
    assert fake_slack.wait_timed("chat.postMessage", in_thread(bot, channel))
    assert forward_state(bot, token) == ["forwarded"]
    time.sleep(0.5)
    assert len(hook.requests) == 1  # the duplicate was not forwarded again
    log = bot.log()
    assert "result_forwarded" in log
    assert SECRET_QUERY not in log


def test_a_failing_webhook_is_tried_again_with_backoff_and_retry_after(
    bot: RunningBot, fake_slack: FakeSlack, hook: CustomerWebhook, forwarding: tuple[str, str]
) -> None:
    _, token = forwarding
    hook.answer(500)
    hook.answer(429, headers={"Retry-After": "1"})

    post(bot, token, PASCAL)

    tries = hook.wait_for(lambda r: True, count=3, timeout=15)
    assert tries[1].received_at - tries[0].received_at >= 0.3  # the first backoff
    assert tries[2].received_at - tries[1].received_at >= 1.0  # what Retry-After asked, over 0.6
    assert {r.body for r in tries} == {json.dumps(PASCAL).encode()}
    assert forward_state(bot, token) == ["forwarded"]


def test_a_webhook_that_keeps_failing_ends_dead_with_a_note_in_the_thread(
    bot: RunningBot, fake_slack: FakeSlack, hook: CustomerWebhook, forwarding: tuple[str, str]
) -> None:
    channel, token = forwarding
    hook.answer(500, 502, 503, 500)

    post(bot, token, PASCAL)

    assert forward_state(bot, token, timeout=15) == ["dead"]
    assert len(hook.requests) == 3  # the first try and one per backoff step: [0.3, 0.6]
    notes = fake_slack.wait_timed(
        "chat.postMessage", lambda c: in_thread(bot, channel)(c) and "could not be forwarded" in texts(c)
    )
    note = texts(notes[0][1])
    assert "127.0.0.1" in note
    assert "after 3 tries (last: HTTP 503)" in note
    assert SECRET_QUERY not in note
    assert [row["state"] for row in stored(bot, token)] == ["posted"]  # the thread still has the result
    assert "forward_dead" in bot.log()


def test_without_a_webhook_of_their_own_nothing_is_forwarded(
    bot: RunningBot,
    slack: SlackDriver,
    fake_slack: FakeSlack,
    fake_starleads: FakeStarleads,
    hook: CustomerWebhook,
) -> None:
    channel, sent, _ = create(slack, fake_slack, fake_starleads)
    token = token_in(sent)

    post(bot, token, PASCAL)

    assert fake_slack.wait_timed("chat.postMessage", in_thread(bot, channel))
    assert [row["forward_state"] for row in stored(bot, token)] == [None]
    assert hook.requests == []


@pytest.fixture(scope="module")
def guarded_bot(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningBot]:
    """A bot with the default: no forwarding into its own network."""
    workdir = tmp_path_factory.mktemp("guarded-forwarder")
    yield from serving(fake_slack, fake_starleads, workdir, RESULT_FORWARD_PRIVATE_ADDRESSES=None)


def test_by_default_a_webhook_on_a_private_address_gets_nothing_and_the_thread_says_why(
    guarded_bot: RunningBot,
    slack: SlackDriver,
    fake_slack: FakeSlack,
    fake_starleads: FakeStarleads,
    hook: CustomerWebhook,
) -> None:
    driver = SlackDriver(guarded_bot.url, fake_slack.response_url())
    own = f"{hook.url}/hooks/starleads"  # 127.0.0.1: inside the bot's own network
    channel, sent, _ = create(driver, fake_slack, fake_starleads, {"webhook_url": own})
    token = token_in(sent)

    post(guarded_bot, token, PASCAL)

    assert forward_state(guarded_bot, token) == ["dead"]
    notes = fake_slack.wait_timed(
        "chat.postMessage",
        lambda c: in_thread(guarded_bot, channel)(c) and "could not be forwarded" in texts(c),
    )
    assert "127.0.0.1 is not a public address" in texts(notes[0][1])
    assert hook.requests == []
    assert "forward_refused" in guarded_bot.log()
