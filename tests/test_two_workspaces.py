"""Two workspaces of one distributed bot, end to end on SQLite: each installs through the real OAuth
endpoints, connects its own Starleads company, creates a campaign through the form and gets its call
results, every call carrying its own workspace's credentials. Then one uninstalls (Slack's signed
`app_uninstalled` event): the other goes on, the first one's webhook answers 410, nothing of it is left
but the audit trail, and a reinstall starts clean."""

from __future__ import annotations

from pathlib import Path

from bot.campaigns.draft import DraftField
from bot.slack.blocks.campaign_form import action_id
from bot.store.database import metadata
from tests.call_results_driver import (
    OTHER_FORM,
    new_campaign,
    post,
    query,
    reply_token,
    send_result,
    subscribe,
    subscribe_in_another_workspace,
)
from tests.conftest import API_KEY, RunningBot, open_form
from tests.install_driver import INSTALLER, connect_starleads, driver, install, redirect, start_install
from tests.slack_driver import SlackDriver, unique_id
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import (
    OTHER_API_KEY,
    PHONE_AGENT,
    FakeStarleads,
    documented_call_result,
)

SLACK_CALLS = ("views.open", "views.update", "chat.postMessage", "chat.update")
KEPT = {"create_attempts", "retired_webhooks"}


def tokens_by_channel(slack_api: FakeSlack) -> dict[str, set[str | None]]:
    """Which tokens the bot's Slack calls into each channel (or view) carried."""
    used: dict[str, set[str | None]] = {}
    for method in SLACK_CALLS:
        for token, call in slack_api.calls_with_tokens(method):
            where = str(call.get("channel") or call.get("view_id") or call.get("trigger_id"))
            used.setdefault(where, set()).add(token)
    return used


def remembered_agent(slack: SlackDriver, slack_api: FakeSlack, channel: str) -> str | None:
    """The agent the campaign form opens with in `channel` (the channel's last one), if any."""
    form = open_form(slack, slack_api, channel)
    field = action_id(DraftField.AGENT_ID)
    agent = next(b["element"] for b in form["blocks"] if b.get("element", {}).get("action_id") == field)
    return agent.get("initial_value")


def workspace_rows(bot: RunningBot, workspace: str) -> dict[str, int]:
    """How many rows of each table belong to `workspace`."""
    return {
        name: query(bot, f"select count(*) as n from {name} where workspace_id = ?", workspace)[0]["n"]  # noqa: S608 - a table name of our own metadata
        for name, table in metadata.tables.items()
        if "workspace_id" in table.c
    }


def database_bytes(bot: RunningBot) -> bytes:
    return b"".join(path.read_bytes() for path in Path(bot.log_path).parent.glob("bot.db*"))


def test_two_workspaces_work_apart_and_one_that_uninstalls_leaves_only_its_audit_trail(
    distributed: RunningBot, slack_api: FakeSlack, fake_starleads: FakeStarleads, quiet: None
) -> None:
    team_a, team_b = unique_id("T"), unique_id("T")
    token_a = install(distributed, slack_api, team_a, starleads_key=API_KEY)
    token_b = install(distributed, slack_api, team_b, starleads_key=OTHER_API_KEY)
    slack_a, slack_b = driver(distributed, slack_api, team_a), driver(distributed, slack_api, team_b)
    fake_starleads.clear()

    made_a = new_campaign(slack_a, slack_api, fake_starleads)
    made_b = new_campaign(slack_b, slack_api, fake_starleads, **OTHER_FORM)
    assert send_result(distributed, made_a) == 200
    assert send_result(distributed, made_b) == 200
    assert reply_token(slack_api, made_a) == token_a
    assert reply_token(slack_api, made_b) == token_b

    used = tokens_by_channel(slack_api)
    assert used[made_a["channel"]] == {token_a}
    assert used[made_b["channel"]] == {token_b}
    assert set().union(*used.values()) == {token_a, token_b}
    creates = {r.json()["name"]: r.headers.get("x-api-key") for r in fake_starleads.creates()}
    assert creates == {made_a["name"]: API_KEY, made_b["name"]: OTHER_API_KEY}
    assert set(fake_starleads.sent_keys()) == {API_KEY, OTHER_API_KEY}
    seen_by = {
        key: {c["name"] for c in fake_starleads.companies[key].campaigns} for key in (API_KEY, OTHER_API_KEY)
    }
    assert (made_a["name"] in seen_by[API_KEY], made_a["name"] in seen_by[OTHER_API_KEY]) == (True, False)
    assert (made_b["name"] in seen_by[API_KEY], made_b["name"] in seen_by[OTHER_API_KEY]) == (False, True)

    assert remembered_agent(slack_a, slack_api, made_a["channel"]) == PHONE_AGENT

    # Workspace A uninstalls the app.
    before_b = workspace_rows(distributed, team_b)
    assert slack_a.event({"type": "app_uninstalled"}).status_code == 200
    log = distributed.wait_for_log(f"workspace_forgotten workspace={team_a}")
    assert f"workspace_forgotten workspace={team_a} cause=app_uninstalled webhooks_retired=1" in log

    assert send_result(distributed, made_a) == 410
    left = workspace_rows(distributed, team_a)
    assert {name: count for name, count in left.items() if count and name not in KEPT} == {}
    assert left["create_attempts"] >= 1, "the audit trail keeps its rows"
    installed = query(distributed, "select * from slack_bots where team_id = ?", team_a)
    assert installed == []
    replies = len(slack_api.response_url_posts())
    assert slack_a.command("campaign").status_code == 200
    assert "reinstall" in slack_api.wait_response_url(count=replies + 1)[-1]["text"].lower()

    # Workspace B goes on as before.
    again_b = new_campaign(slack_b, slack_api, fake_starleads, **OTHER_FORM)
    assert send_result(distributed, again_b) == 200
    assert reply_token(slack_api, again_b) == token_b
    assert (
        workspace_rows(distributed, team_b)["webhook_subscriptions"] == before_b["webhook_subscriptions"] + 1
    )

    # A reinstall starts clean: not connected, and the channel remembers nothing.
    state, _ = start_install(distributed)
    assert redirect(distributed, code=slack_api.installs.code_for(team_a), state=state).status_code == 200
    replies = len(slack_api.response_url_posts())
    assert slack_a.command("campaign", channel_id=made_a["channel"]).status_code == 200
    assert "isn't connected to Starleads yet" in slack_api.wait_response_url(count=replies + 1)[-1]["text"]
    connect_starleads(slack_a, slack_api, API_KEY)
    assert remembered_agent(slack_a, slack_api, made_a["channel"]) is None

    assert API_KEY.encode() not in database_bytes(distributed)
    assert OTHER_API_KEY.encode() not in database_bytes(distributed)
    assert token_a not in distributed.log()


def test_revoking_the_bot_token_forgets_the_workspace_and_revoking_user_tokens_keeps_everything(
    distributed: RunningBot, slack_api: FakeSlack, fake_starleads: FakeStarleads, quiet: None
) -> None:
    team = unique_id("T")
    install(distributed, slack_api, team)
    slack = driver(distributed, slack_api, team)
    made = new_campaign(slack, slack_api, fake_starleads)

    users_only = {"type": "tokens_revoked", "tokens": {"oauth": [INSTALLER], "bot": []}}
    assert slack.event(users_only).status_code == 200
    distributed.wait_for_log(f"slack_user_tokens_revoked team={team}")
    assert send_result(distributed, made) == 200
    assert query(distributed, "select * from slack_bots where team_id = ?", team) != []

    assert slack.event({"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}).status_code == 200
    log = distributed.wait_for_log(f"workspace_forgotten workspace={team}")
    assert f"workspace_forgotten workspace={team} cause=bot_token_revoked" in log
    assert send_result(distributed, made) == 410
    assert query(distributed, "select * from slack_bots where team_id = ?", team) == []


def test_an_organization_wide_uninstall_forgets_the_organization(
    distributed: RunningBot, slack_api: FakeSlack, quiet: None
) -> None:
    organization, team = unique_id("E"), unique_id("T")
    install(distributed, slack_api, None, enterprise_id=organization, org_wide=True)
    slack = driver(distributed, slack_api, team, enterprise_id=organization, org_wide=True)

    assert slack.event({"type": "app_uninstalled"}).status_code == 200

    distributed.wait_for_log(f"workspace_forgotten workspace={organization}")
    bots = query(distributed, "select * from slack_bots where enterprise_id = ?", organization)
    assert bots == []
    assert workspace_rows(distributed, organization)["starleads_connections"] == 0


def test_results_for_a_workspace_without_an_installation_are_dropped_once_and_others_still_posted(
    distributed: RunningBot, slack_api: FakeSlack, fake_starleads: FakeStarleads, quiet: None
) -> None:
    team = unique_id("T")
    token = install(distributed, slack_api, team)
    made = new_campaign(driver(distributed, slack_api, team), slack_api, fake_starleads)
    # A thread of a workspace whose installation is gone (its uninstall never reached the bot).
    _, orphan = subscribe_in_another_workspace(distributed, thread_ts="1700000000.000100")

    assert post(distributed, orphan, documented_call_result(unique_id("I"), "c1")).status_code == 200
    assert send_result(distributed, made) == 200

    assert reply_token(slack_api, made) == token
    log = distributed.wait_for_log("results_dropped")
    assert log.count("results_dropped") == 1
    assert "reason=not_installed count=1" in log
    assert "Traceback" not in log


def test_a_single_workspace_bot_tells_its_operator_to_reinstall_and_deletes_nothing(
    bot: RunningBot, slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    _, token = subscribe(slack, fake_slack)

    assert slack.event({"type": "app_uninstalled"}).status_code == 200

    log = bot.wait_for_log("slack_app_uninstalled")
    assert "SLACK_BOT_TOKEN no longer works; reinstall the app" in log
    assert post(bot, token, documented_call_result(unique_id("I"), "c1")).json() == {"status": "stored"}
