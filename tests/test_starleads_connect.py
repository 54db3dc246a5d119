"""Each workspace connects its own Starleads account: `/starleads connect` and `disconnect`, who may,
and what `/starleads campaign` and `subscribe` say until a workspace has connected.

A distributed bot runs as `starleads-bot serve` against the stand-ins; its workspaces are installed
by writing installations with slack_sdk's own installation store, as the OAuth flow does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.slack.blocks.connect_form import KEY_BLOCK, KEY_LABEL
from bot.slack.starleads_account import SET_BY_OPERATOR
from tests.conftest import INSTALLED_TOKEN_PREFIX, RunningBot, Workspace, answer
from tests.slack_driver import SlackDriver, unique_id
from tests.standins.slack_api import FakeSlack, Installs
from tests.standins.starleads_api import OTHER_API_KEY, FakeStarleads


def opened_form(fake_slack: FakeSlack, already: int) -> dict[str, Any]:
    view = fake_slack.wait_call("views.open", count=already + 1)[-1]["view"]
    return {**view, "id": unique_id("V")}


def open_connect_form(fake_slack: FakeSlack, workspace: Workspace, user: str) -> dict[str, Any]:
    already = len(fake_slack.calls("views.open"))
    assert workspace.slack.command("connect", user_id=user).status_code == 200
    return opened_form(fake_slack, already)


def role_lookups(fake_slack: FakeSlack) -> list[dict[str, Any]]:
    """The `users.info` calls that ask for a person's role (every request also looks up its person's
    language, with `include_locale`, which says nothing of roles)."""
    return [call for call in fake_slack.calls("users.info") if "include_locale" not in call]


def connect(fake_slack: FakeSlack, workspace: Workspace, api_key: str) -> dict[str, Any]:
    """An admin connects the workspace with `api_key`; what the modal shows then."""
    form = open_connect_form(fake_slack, workspace, workspace.admin)
    submitted = workspace.slack.submit(form, {KEY_BLOCK: api_key}, user_id=workspace.admin)
    assert submitted.status_code == 200
    return dict(submitted.json())


def test_an_admin_connects_with_a_key_starleads_accepts_and_sees_only_its_masked_form(
    connecting_bot: RunningBot, fake_slack: FakeSlack, fake_starleads: FakeStarleads, workspace: Workspace
) -> None:
    form = open_connect_form(fake_slack, workspace, workspace.admin)
    field = next(block for block in form["blocks"] if block.get("block_id") == KEY_BLOCK)
    assert field["label"]["text"] == KEY_LABEL
    assert [call["user"] for call in role_lookups(fake_slack)] == [workspace.admin]

    answered = workspace.slack.submit(form, {KEY_BLOCK: OTHER_API_KEY}, user_id=workspace.admin).json()

    assert answered["response_action"] == "update"
    shown = str(answered["view"])
    assert "…9f3a" in shown
    assert "now connected to Starleads" in shown
    assert OTHER_API_KEY not in shown
    assert OTHER_API_KEY[:-4] not in shown
    assert [(r.method, r.path) for r in fake_starleads.requests] == [("GET", "/Campaign")]
    assert fake_starleads.sent_keys() == [OTHER_API_KEY]

    # Connected: the form opens, and nobody's role is asked for on the way.
    asked = len(role_lookups(fake_slack))
    already = len(fake_slack.calls("views.open"))
    assert workspace.slack.command("campaign", user_id=workspace.member).status_code == 200
    assert opened_form(fake_slack, already)["callback_id"] != "starleads_connect"
    assert len(role_lookups(fake_slack)) == asked

    # What the key looks like at rest, and in what operators read.
    database = b"".join(p.read_bytes() for p in Path(connecting_bot.log_path).parent.glob("bot.db*"))
    assert OTHER_API_KEY.encode() not in database
    log = connecting_bot.wait_for_log("starleads_connect")
    assert "outcome=connected" in log
    encryption_key = connecting_bot.env["STARLEADS_KEY_ENCRYPTION_KEYS"]
    for secret in (OTHER_API_KEY, encryption_key, Installs.CLIENT_SECRET, INSTALLED_TOKEN_PREFIX):
        assert secret not in log


def test_a_key_starleads_refuses_gets_a_note_under_the_field_and_nothing_is_kept(
    fake_slack: FakeSlack, workspace: Workspace
) -> None:
    answered = connect(fake_slack, workspace, "sl-revoked-key-0000")

    assert answered == {
        "response_action": "errors",
        "errors": {
            KEY_BLOCK: "Starleads doesn't accept this key: copy it again from Starleads "
            "(your profile → API key)."
        },
    }
    already = len(fake_slack.response_url_posts())
    workspace.slack.command("campaign", user_id=workspace.admin)
    assert "isn't connected to Starleads yet" in answer(fake_slack, already)


def test_someone_else_is_told_politely_who_can_connect_and_nothing_opens(
    fake_slack: FakeSlack, workspace: Workspace
) -> None:
    for subcommand in ("connect", "disconnect"):
        already = len(fake_slack.response_url_posts())
        workspace.slack.command(subcommand, user_id=workspace.member)

        text = answer(fake_slack, already)
        assert text.startswith("Sorry, only workspace admins and owners, and whoever installed Starleads")
        assert f"<@{workspace.installer}> (who installed Starleads here) or a workspace admin" in text
        assert f"`/starleads {subcommand}`" in text
    assert fake_slack.calls("views.open") == []


def test_whoever_installed_the_app_may_connect_it_without_being_an_admin(
    fake_slack: FakeSlack, workspace: Workspace
) -> None:
    form = open_connect_form(fake_slack, workspace, workspace.installer)

    answered = workspace.slack.submit(form, {KEY_BLOCK: OTHER_API_KEY}, user_id=workspace.installer)

    assert answered.json()["response_action"] == "update"


def test_connecting_again_shows_the_current_key_masked_and_replaces_it(
    fake_slack: FakeSlack, workspace: Workspace
) -> None:
    connect(fake_slack, workspace, OTHER_API_KEY)

    form = open_connect_form(fake_slack, workspace, workspace.admin)

    shown = str(form["blocks"])
    assert "`…9f3a`" in shown
    assert f"connected by <@{workspace.admin}>" in shown
    assert form["submit"]["text"] == "Replace key"
    assert OTHER_API_KEY not in str(form)


def test_not_connected_campaign_and_subscribe_explain_how_or_whom_to_ask_and_open_nothing(
    fake_slack: FakeSlack, workspace: Workspace
) -> None:
    said = {}
    for user in (workspace.admin, workspace.member):
        for subcommand in ("campaign", "subscribe 66f1b2d0016e6d3e9353ab85"):
            already = len(fake_slack.response_url_posts())
            assert workspace.slack.command(subcommand, user_id=user).status_code == 200
            said[user, subcommand.split()[0]] = answer(fake_slack, already)

    assert (
        "Type `/starleads connect` and paste your company's Starleads API key"
        in said[workspace.admin, "campaign"]
    )
    assert "`/starleads subscribe` can't work" in said[workspace.admin, "subscribe"]
    for subcommand in ("campaign", "subscribe"):
        assert (
            f"Ask <@{workspace.installer}> (who installed Starleads here) or a workspace admin"
            in (said[workspace.member, subcommand])
        )
    assert fake_slack.calls("views.open") == []
    assert fake_slack.calls("chat.postMessage") == []


def test_disconnect_forgets_the_key(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads, workspace: Workspace
) -> None:
    connect(fake_slack, workspace, OTHER_API_KEY)
    already = len(fake_slack.response_url_posts())

    workspace.slack.command("disconnect", user_id=workspace.admin)

    assert "no longer connected to Starleads and its key is forgotten" in answer(fake_slack, already)
    workspace.slack.command("campaign", user_id=workspace.admin)
    assert "isn't connected to Starleads yet" in answer(fake_slack, already + 1)
    workspace.slack.command("disconnect", user_id=workspace.admin)
    assert "there was no key to forget" in answer(fake_slack, already + 2)


def test_the_help_of_a_distributed_bot_tells_about_connecting(workspace: Workspace) -> None:
    help_text = workspace.slack.command("help").json()["text"]

    assert "`/starleads connect`" in help_text
    assert "`/starleads disconnect`" in help_text


def test_a_single_workspace_bot_says_its_key_is_the_operators_and_does_nothing(
    slack: SlackDriver, fake_slack: FakeSlack
) -> None:
    for subcommand in ("connect", "disconnect"):
        answered = slack.command(subcommand, user_id="U0ADMIN")

        assert answered.json() == {"text": SET_BY_OPERATOR, "response_type": "ephemeral"}
    assert "connect" not in slack.command("help").json()["text"]
    assert fake_slack.calls("views.open") == []
    assert role_lookups(fake_slack) == []
