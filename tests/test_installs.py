"""Distribution mode: any workspace installs the bot through Slack's OAuth flow (`GET /slack/install`,
then Slack's redirect to `GET /slack/oauth_redirect`), and each one's requests and posts carry its own
bot token. Against the Slack stand-in, which issues a token per install and refuses any other."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import yaml

from bot.slack.app import BOT_SCOPES
from tests.call_results_driver import PASCAL, post, query
from tests.conftest import REPO, RunningBot, free_port
from tests.install_driver import driver, install, redirect, start_install
from tests.slack_driver import unique_id
from tests.standins.slack_api import FakeSlack, Installs

WEBHOOK_URL = re.compile(r"https://bot\.example\.com/starleads/webhook/([A-Za-z0-9_-]+)")


def test_the_install_page_links_to_slack_with_the_apps_scopes_and_a_state_of_its_own(
    distributed: RunningBot, quiet: None
) -> None:
    state, url = start_install(distributed)
    query = dict(httpx.URL(url).params)
    assert query["client_id"] == Installs.CLIENT_ID
    assert query["scope"].split(",") == list(BOT_SCOPES)
    assert query["state"] == state
    assert query["redirect_uri"] == "https://bot.example.com/slack/oauth_redirect"
    assert start_install(distributed)[0] != state


def test_two_workspaces_install_and_each_ones_command_opens_its_form_with_its_own_token(
    distributed: RunningBot, slack_api: FakeSlack, quiet: None
) -> None:
    first_team, second_team = unique_id("T"), unique_id("T")
    first, second = install(distributed, slack_api, first_team), install(distributed, slack_api, second_team)
    assert first != second

    for team, token in ((first_team, first), (second_team, second)):
        assert driver(distributed, slack_api, team).command("campaign").status_code == 200
        slack_api.wait_call_with_token("views.open", token)
    assert {token for token, _ in slack_api.calls_with_tokens("views.open")} == {first, second}
    installed = query(distributed, "select team_id, bot_user_id from slack_bots")
    assert {row["team_id"] for row in installed} >= {first_team, second_team}
    assert first not in distributed.log()
    assert second not in distributed.log()


def test_requests_are_authorized_from_memory_and_a_reinstall_takes_effect_at_once(
    distributed: RunningBot, slack_api: FakeSlack, quiet: None
) -> None:
    team = unique_id("T")
    slack = driver(distributed, slack_api, team)
    first = install(distributed, slack_api, team)
    for _ in range(2):
        assert slack.command("campaign").status_code == 200
    slack_api.wait_call("views.open", count=2)
    second = install(distributed, slack_api, team)
    assert slack.command("campaign").status_code == 200
    slack_api.wait_call("views.open", count=3)

    assert [used for used, _ in slack_api.calls_with_tokens("views.open")] == [first, first, second]
    # auth.test once per install (Bolt learns the bot's ID), never per request.
    assert [used for used, _ in slack_api.calls_with_tokens("auth.test")] == [first, second]


def test_an_organization_wide_install_serves_each_of_its_workspaces_with_one_token(
    distributed: RunningBot, slack_api: FakeSlack, quiet: None
) -> None:
    organization = unique_id("E")
    token = install(distributed, slack_api, None, enterprise_id=organization, org_wide=True)

    for team in (unique_id("T"), unique_id("T")):
        slack = driver(distributed, slack_api, team, enterprise_id=organization, org_wide=True)
        assert slack.command("campaign").status_code == 200
    slack_api.wait_call("views.open", count=2)
    assert [used for used, _ in slack_api.calls_with_tokens("views.open")] == [token, token]
    assert token not in distributed.log()


def test_a_token_about_to_expire_is_refreshed_saved_and_used(
    distributed: RunningBot, slack_api: FakeSlack, quiet: None
) -> None:
    team = unique_id("T")
    # Slack's rotating tokens last 12 hours; one with a minute left is refreshed before its next use.
    first = install(distributed, slack_api, team, expires_in=60)

    assert driver(distributed, slack_api, team).command("campaign").status_code == 200
    slack_api.wait_call("views.open")
    refreshed = slack_api.installs.tokens_of(team)[-1]
    assert refreshed != first
    assert [used for used, _ in slack_api.calls_with_tokens("views.open")] == [refreshed]
    refresh = slack_api.calls("oauth.v2.access")[-1]
    assert refresh["grant_type"] == "refresh_token"
    saved = query(distributed, "select bot_token from slack_bots where team_id = ?", team)
    assert [row["bot_token"] for row in saved] == [refreshed]
    for secret in (first, refreshed, *slack_api.installs.refresh_tokens):
        assert secret not in distributed.log()


def test_a_token_another_process_refreshed_first_serves_the_request_whose_refresh_slack_refused(
    distributed: RunningBot, slack_api: FakeSlack, quiet: None, tmp_path: Path
) -> None:
    """Two processes meet the same expiring token at once. Slack takes a refresh token once, so the
    second refresh is refused: that process uses the token the first one saved, and its user's
    command works."""
    team = unique_id("T")
    first = install(distributed, slack_api, team, expires_in=60)
    other = RunningBot({**distributed.env, "PORT": str(free_port())}, tmp_path)  # the same database
    try:
        refreshes = len(slack_api.calls("oauth.v2.access"))
        held = slack_api.hold("oauth.v2.access")
        with ThreadPoolExecutor(1) as background:
            waiting = background.submit(driver(distributed, slack_api, team).command, "campaign")
            slack_api.wait_call("oauth.v2.access", count=refreshes + 1)  # its refresh, held
            assert driver(other, slack_api, team).command("campaign").status_code == 200
            slack_api.wait_call("views.open")
            held.set()  # now Slack refuses it: the other process used that refresh token
            assert waiting.result(timeout=10).status_code == 200
        slack_api.wait_call("views.open", count=2)
    finally:
        other.stop()

    refreshed = slack_api.installs.tokens_of(team)[-1]
    assert refreshed != first
    assert [used for used, _ in slack_api.calls_with_tokens("views.open")] == [refreshed, refreshed]
    assert len(slack_api.calls("oauth.v2.access")) == refreshes + 2
    assert "bot_token_rotated_elsewhere" in distributed.log()
    assert "bot_token_rotation_failed" not in distributed.log()


def test_call_results_are_posted_with_the_token_of_the_workspace_that_subscribed(
    distributed: RunningBot, slack_api: FakeSlack, quiet: None
) -> None:
    team, other_team = unique_id("T"), unique_id("T")
    token = install(distributed, slack_api, team)
    install(distributed, slack_api, other_team)
    channel = unique_id("C")

    answer = driver(distributed, slack_api, team).command(
        "subscribe 66f1b2d0016e6d3e9353ab85", channel_id=channel
    )
    assert answer.status_code == 200
    note = slack_api.wait_response_url()[0]
    webhook = WEBHOOK_URL.search(note["text"])
    assert webhook, note["text"]
    assert post(distributed, webhook[1], PASCAL).status_code == 200

    posts = slack_api.wait_call("chat.postMessage", count=2)
    assert [p["channel"] for p in posts] == [channel, channel]
    assert [used for used, _ in slack_api.calls_with_tokens("chat.postMessage")] == [token, token]
    subscribed = query(distributed, "select workspace_id from webhook_subscriptions")
    assert {row["workspace_id"] for row in subscribed} == {team}


@pytest.mark.parametrize(
    "trouble", ["state never issued", "state of another browser", "code unknown to Slack"]
)
def test_a_failed_install_shows_a_plain_page_and_stores_nothing(
    distributed: RunningBot, slack_api: FakeSlack, quiet: None, trouble: str
) -> None:
    team = unique_id("T")
    state, _ = start_install(distributed)
    code = slack_api.installs.code_for(team)
    if trouble == "state never issued":
        answer = redirect(distributed, code=code, state="f" * 36)
    elif trouble == "state of another browser":
        answer = redirect(distributed, code=code, state=state, cookie_state=start_install(distributed)[0])
    else:
        answer = redirect(distributed, code="code-never-issued", state=state)

    assert answer.status_code >= 400
    assert answer.headers["content-type"].startswith("text/html")
    assert "Traceback" not in answer.text
    assert Installs.CLIENT_SECRET not in answer.text
    assert slack_api.installs.tokens_of(team) == []
    assert query(distributed, "select * from slack_installations where team_id = ?", team) == []


def test_a_workspace_that_never_installed_the_app_gets_a_plain_answer(
    distributed: RunningBot, slack_api: FakeSlack, quiet: None
) -> None:
    assert driver(distributed, slack_api, unique_id("T")).command("campaign").status_code == 200
    answer = slack_api.wait_response_url()[0]
    assert "installation" in answer["text"].lower() or "install" in answer["text"].lower()
    assert slack_api.calls("views.open") == []


def test_the_scopes_asked_for_are_the_manifests() -> None:
    manifest = yaml.safe_load((REPO / "manifest.yml").read_text())
    assert list(BOT_SCOPES) == manifest["oauth_config"]["scopes"]["bot"]
