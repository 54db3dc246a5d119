"""Plays the part of a workspace that installs the bot (distribution mode): Slack's OAuth flow through
the bot's real endpoints (`GET /slack/install`, then Slack's redirect to `GET /slack/oauth_redirect`)
against the Slack stand-in, then `/starleads connect` by its installer. The tests and the benchmarks
share it."""

from __future__ import annotations

import re
from typing import Any

import httpx
from cryptography.fernet import Fernet

from bot.slack.blocks.connect_form import KEY_BLOCK
from tests.conftest import API_KEY, RunningBot
from tests.slack_driver import SlackDriver, unique_id
from tests.standins.slack_api import FakeSlack, Installs

STATE_COOKIE = "slack-app-oauth-state"
INSTALLER = "U0INSTALLER"  # who approved each install, as the stand-in's oauth.v2.access says


def distribution_settings() -> dict[str, str | None]:
    """Overrides of `bot_environment` for a bot in distribution mode: the stand-in's app credentials,
    a new encryption key, and no single workspace's token or Starleads key."""
    return {
        "SLACK_BOT_TOKEN": None,
        "STARLEADS_API_KEY": None,
        "SLACK_CLIENT_ID": Installs.CLIENT_ID,
        "SLACK_CLIENT_SECRET": Installs.CLIENT_SECRET,
        "STARLEADS_KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }


def start_install(bot: RunningBot) -> tuple[str, str]:
    """Open the "Add to Slack" page: the state Slack will send back, and the authorize URL it links to."""
    page = httpx.get(f"{bot.url}/slack/install", timeout=10)
    assert page.status_code == 200
    cookie = page.headers["set-cookie"]
    state = re.search(rf"{STATE_COOKIE}=([\w-]+)", cookie)
    assert state, cookie
    url = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page.text)
    assert url, page.text
    return state[1], url[1].replace("&amp;", "&")


def redirect(bot: RunningBot, *, code: str, state: str, cookie_state: str | None = None) -> httpx.Response:
    """Slack's redirect back after the install was approved, from the browser that started it. Bolt sets
    its state cookie Secure, so over plain http it is sent by hand."""
    return httpx.get(
        f"{bot.url}/slack/oauth_redirect",
        params={"code": code, "state": state},
        headers={"cookie": f"{STATE_COOKIE}={cookie_state or state}"},
        timeout=10,
    )


def install(
    bot: RunningBot, slack_api: FakeSlack, team_id: str | None, *, starleads_key: str = API_KEY, **grant: Any
) -> str:
    """Install the app through the real endpoints, then its installer connects the workspace's
    Starleads account (calls the test does not look at); the bot token Slack issued for it."""
    state, _ = start_install(bot)
    code = slack_api.installs.code_for(team_id, **grant)
    done = redirect(bot, code=code, state=state)
    assert done.status_code == 200, done.text
    workspace = grant.get("enterprise_id") if grant.get("org_wide") else team_id
    organization = {key: grant[key] for key in ("enterprise_id", "org_wide") if key in grant}
    connect_starleads(
        driver(bot, slack_api, team_id or unique_id("T"), **organization), slack_api, starleads_key
    )
    return slack_api.installs.tokens_of(str(workspace))[-1]


def connect_starleads(slack: SlackDriver, slack_api: FakeSlack, api_key: str) -> None:
    """`/starleads connect` by whoever installed the app, with `api_key`."""
    recorded, opened = len(slack_api.requests), len(slack_api.calls("views.open"))
    assert slack.command("connect", user_id=INSTALLER).status_code == 200
    form = {**slack_api.wait_call("views.open", count=opened + 1)[-1]["view"], "id": unique_id("V")}
    answered = slack.submit(form, {KEY_BLOCK: api_key}, user_id=INSTALLER).json()
    assert answered["response_action"] == "update", answered
    slack_api.forget_since(recorded)


def driver(bot: RunningBot, slack_api: FakeSlack, team_id: str, **organization: Any) -> SlackDriver:
    return SlackDriver(bot.url, slack_api.response_url(), team_id=team_id, **organization)
