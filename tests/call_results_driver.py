"""Driving call results through the running bot: create a campaign or subscribe, post to the webhook,
read what was stored."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import sqlite3
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import httpx
from sqlalchemy import Engine

from bot.call_results.tokens import hash_token, new_token
from bot.store import SubscriptionStore, connect
from tests.conftest import RunningBot, open_form
from tests.slack_driver import USER, SlackDriver, unique_id
from tests.slack_views import final_view, texts
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import OTHER_AGENT, PHONE_AGENT, FakeStarleads, documented_call_result

CAMPAIGN = "66f1b2d0016e6d3e9353ab85"
ITEM = "66e47083637b020bcd9865a9"
WEBHOOK_URL = re.compile(r"https://bot\.example\.com/starleads/webhook/([A-Za-z0-9_-]+)")

PASCAL = documented_call_result(ITEM, CAMPAIGN)

T = TypeVar("T")


def subscribe(slack: SlackDriver, fake_slack: FakeSlack, campaign_id: str = CAMPAIGN) -> tuple[str, str]:
    """Type `/starleads subscribe` in a new channel; the channel and the token from the private answer."""
    channel = unique_id("C")
    answer = slack.command(f"subscribe {campaign_id}", channel_id=channel)
    assert answer.status_code == 200
    note = fake_slack.wait_response_url()[0]
    assert note["response_type"] == "ephemeral"
    found = WEBHOOK_URL.search(note["text"])
    assert found, note["text"]
    return channel, found.group(1)


def post(bot: RunningBot, token: str, body: Any, **kwargs: Any) -> httpx.Response:
    content = json.dumps(body) if isinstance(body, dict) else body
    return httpx.post(f"{bot.url}/starleads/webhook/{token}", content=content, timeout=10, **kwargs)


def query(bot: RunningBot, sql: str, *parameters: object) -> list[dict[str, Any]]:
    """Rows straight from the bot's SQLite file: what survives the process."""
    with sqlite3.connect(Path(bot.log_path).parent / "bot.db") as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute(sql, parameters)]


def stored(bot: RunningBot, token: str) -> list[dict[str, Any]]:
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    return query(bot, "select * from call_results where token_hash = ? order by id", token_hash)


def forward_state(bot: RunningBot, token: str, count: int = 1, timeout: float = 10) -> list[str | None]:
    """The results' forwarding states, once none is waiting any more (or at the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        states = [row["forward_state"] for row in stored(bot, token)]
        settled = len(states) >= count and all(s in ("forwarded", "dead") for s in states)
        if settled or time.monotonic() > deadline:
            return states
        time.sleep(0.05)


CAMPAIGN_FORM = {"name": "Relance Q4", "agent_id": PHONE_AGENT, "phone_number": "01 23 45 67 89"}
OTHER_FORM = {"agent_id": OTHER_AGENT, "phone_number": "09 87 65 43 21"}  # another agent and number


def create(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    fake_starleads: FakeStarleads,
    values: dict[str, Any] | None = None,
    channel: str | None = None,
    *,
    user_id: str = USER,
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """`user_id` submits the form in a new channel: (channel, the body Starleads got, the form's final
    view)."""
    channel = channel or unique_id("C")
    view = open_form(slack, fake_slack, channel, user_id=user_id)
    before = len(fake_starleads.creates())
    submitted = slack.submit(view, {**CAMPAIGN_FORM, **(values or {})}, user_id=user_id)
    assert submitted.json()["response_action"] == "update"
    sent = fake_starleads.wait_creates(count=before + 1)[-1].json()  # this form's, not an earlier one's
    return channel, sent, final_view(fake_slack, view["id"])


def token_in(sent: dict[str, Any]) -> str:
    found = WEBHOOK_URL.fullmatch(sent["webhookUrl"])
    assert found, sent["webhookUrl"]
    return found.group(1)


def subscription_of(bot: RunningBot, channel: str) -> dict[str, Any]:
    rows = query(bot, "select * from webhook_subscriptions where channel_id = ?", channel)
    assert len(rows) == 1, rows
    return rows[0]


def campaign_id_in(view: dict[str, Any]) -> str:
    found = re.search(r"ID `([^`]+)`", texts(view))
    assert found, texts(view)
    return found.group(1)


def in_thread(channel: str) -> Any:
    """Matches the bot's threaded replies in `channel`."""
    return lambda call: call.get("channel") == channel and call.get("thread_ts")


def root_of(fake_slack: FakeSlack, channel: str) -> dict[str, Any]:
    """The first message the bot posted in `channel`: the results thread's root."""
    calls = fake_slack.wait_timed("chat.postMessage", lambda c: c.get("channel") == channel)
    return calls[0][1]


def thread_ts(bot: RunningBot, channel: str) -> str:
    """The ts of the results thread the bot keeps for `channel`."""
    rows = query(bot, "select thread_ts from webhook_subscriptions where channel_id = ?", channel)
    return rows[0]["thread_ts"]


def subscribe_in_another_workspace(
    bot: RunningBot, thread_ts: str, forward_url: str | None = None
) -> tuple[str, str]:
    """A results thread of a workspace of its own (not the bot's single one), written straight into the
    bot's database, with the team's own webhook when `forward_url` is given: its channel and token."""
    channel, token = unique_id("C"), new_token()
    in_the_bots_database(
        bot,
        lambda engine: SubscriptionStore(engine).insert(
            hash_token(token),
            channel,
            "U0BOB",
            CAMPAIGN,
            forward_url=forward_url,
            thread_ts=thread_ts,
            workspace=unique_id("T"),
        ),
    )
    return channel, token


def in_the_bots_database(bot: RunningBot, work: Callable[[Engine], Coroutine[Any, Any, T]]) -> T:
    """What `work` does to the bot's own database, done as another process sharing it would."""
    engine = connect(f"sqlite:///{Path(bot.log_path).parent / 'bot.db'}")
    try:
        return asyncio.run(work(engine))
    finally:
        engine.dispose()


def new_campaign(
    slack: SlackDriver, slack_api: FakeSlack, starleads: FakeStarleads, **values: str
) -> dict[str, str]:
    """A campaign created through the form in a new channel: its channel, name, ID and results token."""
    name = f"Campaign {unique_id('N')}"
    channel, sent, view = create(slack, slack_api, starleads, {"name": name, **values})
    return {"channel": channel, "name": name, "id": campaign_id_in(view), "token": token_in(sent)}


def send_result(bot: RunningBot, made: dict[str, str]) -> int:
    """A call result of the campaign, as Starleads sends it to the campaign's webhook: the HTTP status."""
    return post(bot, made["token"], documented_call_result(unique_id("I"), made["id"])).status_code


def reply_token(slack_api: FakeSlack, made: dict[str, str]) -> str | None:
    """The token of the result's reply in the campaign's thread, once it is posted."""
    slack_api.wait_timed(
        "chat.postMessage", lambda c: c.get("channel") == made["channel"] and "thread_ts" in c
    )
    return next(
        token
        for token, call in slack_api.calls_with_tokens("chat.postMessage")
        if call.get("channel") == made["channel"] and "thread_ts" in call
    )
