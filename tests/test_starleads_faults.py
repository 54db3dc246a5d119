"""When Starleads misbehaves: a specific message, nothing typed lost, retries only where they are safe."""

from __future__ import annotations

import json
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.call_results_driver import query
from tests.conftest import Crashable, RunningBot, bot_environment, open_form
from tests.slack_driver import SlackDriver
from tests.slack_views import final_view, texts
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import PHONE_AGENT, FakeStarleads

VALID = {"name": "Relance Q4", "agent_id": PHONE_AGENT, "phone_number": "01 23 45 67 89"}


def outcome_after(slack: SlackDriver, fake_slack: FakeSlack, updates: int = 1) -> tuple[dict, dict]:
    view = open_form(slack, fake_slack)
    assert slack.submit(view, VALID).json()["response_action"] == "update"
    return view, fake_slack.wait_view_update(view["id"], count=updates, timeout=15)["view"]


def test_429_with_retry_after_waits_as_asked_says_so_and_then_creates(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_starleads.answer_next_create(
        429, {"title": "Too Many Requests", "status": 429}, {"Retry-After": "1"}
    )

    view, waiting = outcome_after(slack, fake_slack)

    assert "Starleads is busy (HTTP 429). Trying again in 1 s" in texts(waiting)
    created = fake_slack.wait_view_update(view["id"], count=2)["view"]
    assert "is created in Starleads" in texts(created)
    assert len(fake_starleads.creates()) == 2
    assert len(fake_slack.wait_call("chat.postMessage")) == 1


@pytest.mark.parametrize(
    ("status", "headers", "message"),
    [
        pytest.param(503, {}, "Starleads is unavailable right now (HTTP 503)", id="503-without-retry-after"),
        pytest.param(
            503, {"Retry-After": "120"}, "unavailable right now (HTTP 503)", id="503-retry-after-too-long"
        ),
        pytest.param(429, {}, "receiving too many requests", id="429-without-retry-after"),
        pytest.param(500, {}, "had a problem on its side (HTTP 500)", id="500"),
        pytest.param(502, {}, "had a problem on its side (HTTP 502)", id="502"),
    ],
)
def test_failures_that_a_retry_could_double_are_not_retried_automatically(
    slack: SlackDriver,
    fake_slack: FakeSlack,
    fake_starleads: FakeStarleads,
    status: int,
    headers: dict[str, str],
    message: str,
) -> None:
    fake_starleads.answer_next_create(status, {"title": "Error", "status": status}, headers)

    _, failed = outcome_after(slack, fake_slack)

    assert message in texts(failed)
    assert "Nothing was created. Everything you typed is kept" in texts(failed)
    assert [e["action_id"] for e in failed["blocks"][-1]["elements"]] == ["campaign_retry", "campaign_edit"]
    assert len(fake_starleads.creates()) == 1


def test_a_forbidden_key_is_explained(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_starleads.answer_next_create(403, {"title": "Forbidden", "status": 403})

    _, form = outcome_after(slack, fake_slack)

    assert "refused this bot's API key access to campaigns (403)" in form["blocks"][0]["text"]["text"]


def test_an_answer_that_is_not_json_leaves_the_outcome_unknown(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_starleads.answer_next_create(200, b"<html>oops</html>")

    _, failed = outcome_after(slack, fake_slack)

    assert "can't tell whether it was created" in texts(failed)
    assert "Check the campaign list in Starleads" in texts(failed)


def test_an_older_identical_campaign_is_not_taken_for_one_whose_answer_never_came(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads, bot: RunningBot
) -> None:
    outcome_after(slack, fake_slack)  # an identical campaign, created normally
    fake_slack.wait_call("chat.postMessage")
    fake_slack.clear()
    fake_starleads.create_delay_seconds = 2.5  # this time no answer in time, and in the end no campaign
    fake_starleads.answer_next_create(500, {"title": "Internal Server Error", "status": 500})

    view, failed = outcome_after(slack, fake_slack)

    assert "did not answer in time" in texts(failed)
    log = bot.wait_for_log(f"campaign_late_lookup key={view['id']}")
    assert f"campaign_late_lookup key={view['id']} found=no" in log
    assert fake_slack.calls("chat.postMessage") == []


def test_a_campaign_created_behind_a_timeout_is_found_and_its_card_posted(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads, bot: RunningBot
) -> None:
    fake_starleads.create_delay_seconds = 0.3  # the listing of what existed before is served first
    fake_starleads.answer_late_seconds = 2.5

    view, failed = outcome_after(slack, fake_slack)

    assert "did not answer in time" in texts(failed)
    slack.submit(view, VALID)  # submitted again: never re-sent on its own
    assert "never got an answer from Starleads" in texts(
        fake_slack.wait_view_update(view["id"], count=2)["view"]
    )
    card = fake_slack.wait_call("chat.postMessage", timeout=15)[0]
    assert "Starleads answered late: this campaign was created after all." in texts(card)
    assert "is created in Starleads" in texts(final_view(fake_slack, view["id"], after=2))
    assert len(fake_starleads.creates()) == 1
    assert "campaign_late_lookup" in bot.log()


def test_try_again_after_an_unknown_outcome_is_the_users_call(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_starleads.answer_next_create(200, {"name": "no id"})
    view, failed = outcome_after(slack, fake_slack)

    slack.click({**failed, "id": view["id"]}, "campaign_retry")

    fake_starleads.wait_creates(count=2)
    assert "is created in Starleads" in texts(fake_slack.wait_view_update(view["id"], count=3)["view"])


def test_try_again_on_a_form_saved_under_older_rules_brings_the_form_back_with_what_to_fix(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads, bot: RunningBot
) -> None:
    fake_starleads.answer_next_create(200, {"name": "no id"})
    view, failed = outcome_after(slack, fake_slack)
    [saved] = query(bot, "select draft_input from campaign_creations where key = ?", view["id"])
    older = json.loads(saved["draft_input"]) | {"agent_id": "agent@old"}  # before agent IDs were checked
    with sqlite3.connect(Path(bot.log_path).parent / "bot.db") as database:
        database.execute(
            "update campaign_creations set draft_input = ? where key = ?", (json.dumps(older), view["id"])
        )

    slack.click({**failed, "id": view["id"]}, "campaign_retry")

    form = fake_slack.wait_view_update(view["id"], count=2)["view"]
    assert form["callback_id"] == "campaign_form"
    assert "no longer passes the bot's checks" in texts(form)
    assert "agent_id_problem" in [block.get("block_id") for block in form["blocks"]]
    assert len(fake_starleads.creates()) == 1


def test_operators_get_one_line_with_the_cause(
    slack: SlackDriver, fake_slack: FakeSlack, fake_starleads: FakeStarleads, bot: RunningBot
) -> None:
    fake_starleads.answer_next_create(502, {"title": "Bad Gateway", "status": 502})
    view, _ = outcome_after(slack, fake_slack)

    lines = [line for line in bot.log().splitlines() if f"key={view['id']}" in line]
    assert len(lines) == 1
    assert "campaign_create" in lines[0]
    assert "outcome=unavailable" in lines[0]
    assert "reason='Starleads answered 502'" in lines[0]  # English, whoever submitted
    assert "method=POST path=/Campaign outcome=502" in bot.log()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: connections are refused


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(f"http://127.0.0.1:{closed_port()}", id="connection-refused"),
        pytest.param("http://starleads.invalid", id="dns-failure"),
    ],
)
def unreachable_bot(
    request: pytest.FixtureRequest,
    fake_slack: FakeSlack,
    fake_starleads: FakeStarleads,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[RunningBot, str]]:
    workdir = tmp_path_factory.mktemp("unreachable")
    running = RunningBot(
        bot_environment(fake_slack, fake_starleads, workdir, STARLEADS_API_URL=request.param), workdir
    )
    yield running, request.node.callspec.id if hasattr(request.node, "callspec") else request.param
    running.stop()


def test_an_unreachable_starleads_is_retried_said_and_then_reported(
    unreachable_bot: tuple[RunningBot, str], fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    bot, _ = unreachable_bot
    fake_slack.reset()
    fake_starleads.reset()
    slack = SlackDriver(bot.url, fake_slack.response_url())
    view = open_form(slack, fake_slack)

    slack.submit(view, VALID)

    waiting = fake_slack.wait_view_update(view["id"])["view"]
    final = fake_slack.wait_view_update(view["id"], count=4, timeout=20)["view"]
    expected: Any = (
        "refused the connection" if "127.0.0.1" in bot.log() or "refused" in texts(final) else "DNS"
    )
    assert "Trying again in 1 s" in texts(waiting)
    assert expected in texts(final)
    assert "(tried 4 times)" in texts(final)
    assert "Nothing was created" in texts(final)


def test_a_restart_resumes_the_search_for_a_campaign_whose_answer_never_came(
    restartable: Crashable, fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    fake_slack.reset()
    fake_starleads.reset()
    fake_starleads.create_delay_seconds = 0.3  # the listing of what existed before is served first
    fake_starleads.answer_late_seconds = 2.5
    driver = restartable.driver()
    view = open_form(driver, fake_slack)
    assert driver.submit(view, VALID).json()["response_action"] == "update"
    failed = fake_slack.wait_view_update(view["id"], timeout=15)["view"]
    assert "did not answer in time" in texts(failed)

    restartable.kill_and_restart()  # a crash, or a deploy, before the bot looked

    card = fake_slack.wait_call("chat.postMessage", timeout=20)[0]
    assert "Starleads answered late: this campaign was created after all." in texts(card)
    assert "Relance Q4" in texts(card)
    assert len(fake_starleads.creates()) == 1  # looked for, never sent again
    assert f"campaign_late_lookup key={view['id']} resumed=yes" in restartable.bot.log()
    [row] = query(restartable.bot, "select state, late_lookup from campaign_creations")
    assert row == {"state": "created", "late_lookup": None}  # a further restart won't look again
