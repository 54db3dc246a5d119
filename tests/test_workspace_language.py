"""`/starleads language`: a distributed bot's workspace chooses the language of its people whose Slack
language the bot doesn't speak; only its admins, owners and installer may. Through the real endpoints."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine

from tests.conftest import RunningBot, Workspace, answer, open_form
from tests.slack_driver import unique_id
from tests.slack_views import ENGLISH_HELP, FRENCH_HELP, texts
from tests.standins.slack_api import FakeSlack
from tests.standins.starleads_api import API_KEY
from tests.store_rows import save_key


def help_for(workspace: Workspace, user_id: str) -> str:
    return str(workspace.slack.command("help", user_id=user_id).json()["text"])


def test_an_admin_makes_the_workspace_french_for_people_whose_language_the_bot_does_not_speak(
    fake_slack: FakeSlack, workspace: Workspace
) -> None:
    german, english = unique_id("U"), unique_id("U")
    fake_slack.set_locale(german, "de-DE")
    assert help_for(workspace, german).startswith(ENGLISH_HELP)
    assert "(the same people; now English)" in help_for(workspace, german)

    acked = workspace.slack.command("language fr", user_id=workspace.admin)
    assert (acked.status_code, acked.text) == (200, "")  # the role check follows the ack
    done = answer(fake_slack, 0)

    assert done.startswith(
        "Done: people in this workspace whose Slack language is neither English nor French"
    )
    assert "now get French." in done
    assert help_for(workspace, german).startswith(FRENCH_HELP)
    assert "(les mêmes personnes\u00a0; actuellement le français)" in help_for(workspace, german)
    assert help_for(workspace, english).startswith(ENGLISH_HELP)  # en-US, the stand-in's default
    assert "(the same people; now French)" in help_for(workspace, english)


def test_the_next_form_opens_in_the_language_just_chosen(
    connecting_bot: RunningBot, fake_slack: FakeSlack, workspace: Workspace
) -> None:
    engine = create_engine(f"sqlite:///{Path(connecting_bot.log_path).parent / 'bot.db'}")
    save_key(engine, workspace.team_id, API_KEY, connecting_bot.env["STARLEADS_KEY_ENCRYPTION_KEYS"])
    engine.dispose()
    german = unique_id("U")
    fake_slack.set_locale(german, "de-DE")

    def form() -> str:
        return texts(open_form(workspace.slack, fake_slack, user_id=german))

    assert "Campaign name" in form()  # the bot now knows this workspace's language: English
    workspace.slack.command("language fr", user_id=workspace.admin)
    assert "now get French." in answer(fake_slack, 0)

    assert "Nom de la campagne" in form()  # at once, not once what the bot knew has aged


def test_a_member_may_not_choose_and_is_told_whom_to_ask(fake_slack: FakeSlack, workspace: Workspace) -> None:
    workspace.slack.command("language fr", user_id=workspace.member)

    refused = answer(fake_slack, 0)
    assert refused.startswith("Sorry, only workspace admins and owners, and whoever installed Starleads here")
    assert f"<@{workspace.installer}>" in refused
    assert help_for(workspace, workspace.member).startswith(ENGLISH_HELP)


def test_a_language_the_bot_does_not_speak_is_answered_with_how_to_choose(
    fake_slack: FakeSlack, workspace: Workspace
) -> None:
    french = unique_id("U")
    fake_slack.set_locale(french, "fr-FR")

    which = workspace.slack.command("language de", user_id=workspace.admin).json()["text"]
    en_francais = workspace.slack.command("language", user_id=french).json()["text"]

    assert which.startswith("Which language? Type `/starleads language fr` or `/starleads language en`.")
    assert which.endswith("now English.")
    assert en_francais.startswith("Quelle langue\u00a0? Tapez `/starleads language fr`")
    assert fake_slack.response_url_posts() == []
