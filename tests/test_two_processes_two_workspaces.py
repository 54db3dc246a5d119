"""Many workspaces at scale: two distributed `starleads-bot serve` processes on one PostgreSQL database.
Workspaces install (and connect Starleads) through one process; their commands and call results go
through the other; each workspace's results are posted with its own bot token, whichever process
posts them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.call_results_driver import OTHER_FORM, new_campaign, reply_token, send_result
from tests.conftest import API_KEY, RunningBot, bot_environment, postgres_schema
from tests.install_driver import driver, install
from tests.slack_driver import unique_id
from tests.standins.slack_api import FakeSlack, Installs
from tests.standins.starleads_api import OTHER_API_KEY, FakeStarleads


@pytest.fixture(scope="module")
def two_processes(
    slack_api: FakeSlack, fake_starleads: FakeStarleads, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[RunningBot]]:
    encryption_key = Fernet.generate_key().decode()
    workdir = tmp_path_factory.mktemp("two-processes")
    with postgres_schema("two_processes") as database_url:
        bots: list[RunningBot] = []
        try:
            for name in ("installs", "serves"):
                folder: Path = workdir / name
                folder.mkdir()
                env = bot_environment(
                    slack_api,
                    fake_starleads,
                    folder,
                    DATABASE_URL=database_url,
                    SLACK_BOT_TOKEN=None,
                    STARLEADS_API_KEY=None,
                    SLACK_CLIENT_ID=Installs.CLIENT_ID,
                    SLACK_CLIENT_SECRET=Installs.CLIENT_SECRET,
                    STARLEADS_KEY_ENCRYPTION_KEYS=encryption_key,
                )
                bots.append(RunningBot(env, folder))
            yield bots
        finally:
            for bot in bots:
                bot.stop()


def test_workspaces_installed_through_one_process_are_served_by_the_other_each_with_its_own_token(
    two_processes: list[RunningBot], slack_api: FakeSlack, fake_starleads: FakeStarleads
) -> None:
    installs, serves = two_processes
    slack_api.reset()
    team_a, team_b = unique_id("T"), unique_id("T")
    token_a = install(installs, slack_api, team_a, starleads_key=API_KEY)
    token_b = install(installs, slack_api, team_b, starleads_key=OTHER_API_KEY)

    made_a = new_campaign(driver(serves, slack_api, team_a), slack_api, fake_starleads)
    made_b = new_campaign(driver(serves, slack_api, team_b), slack_api, fake_starleads, **OTHER_FORM)
    for made in (made_a, made_b):
        assert send_result(serves, made) == 200

    assert reply_token(slack_api, made_a) == token_a
    assert reply_token(slack_api, made_b) == token_b
    opened = {token for token, _ in slack_api.calls_with_tokens("views.open")}
    assert opened == {token_a, token_b}
    creates = {r.json()["name"]: r.headers.get("x-api-key") for r in fake_starleads.creates()}
    assert (creates[made_a["name"]], creates[made_b["name"]]) == (API_KEY, OTHER_API_KEY)
