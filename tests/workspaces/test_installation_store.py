"""Slack's installations and OAuth states in the bot's own database, as two processes share them (on
SQLite and PostgreSQL): an install saved by one is found by the other, by its workspace's key alone;
a refreshed token replaces the old one; a state is good once, in any process; a process's cached
installations follow another process's changes within their time to live."""

from __future__ import annotations

import asyncio
import secrets
import uuid

from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from sqlalchemy import Engine

from bot.slack.installations import InstalledBots
from bot.store import slack_installation_stores
from tests.races import Clock, held_read

CLIENT_ID = "1111111111.2222222222"


def installation(
    team_id: str | None, *, enterprise_id: str | None = None, org_wide: bool = False
) -> Installation:
    return Installation(
        app_id="A0001",
        enterprise_id=enterprise_id,
        team_id=team_id,
        bot_token=f"xoxb-{secrets.token_hex(8)}",
        bot_id="B0001",
        bot_user_id="U0BOT",
        bot_scopes="commands,chat:write",
        user_id="U0INSTALLER",
        is_enterprise_install=org_wide,
    )


def unique(prefix: str) -> str:
    """Unique per test: the PostgreSQL database is shared by every test that runs on it."""
    return f"{prefix}{uuid.uuid4().hex[:10].upper()}"


def test_an_install_saved_by_one_process_is_found_by_another_by_its_workspace(engines: list[Engine]) -> None:
    (saving, _), (reading, _) = (
        slack_installation_stores(e, CLIENT_ID, state_expiration_seconds=60) for e in engines
    )
    team, organization, grid_team = unique("T"), unique("E"), unique("T")
    plain = installation(team)
    org_wide = installation(None, enterprise_id=organization, org_wide=True)
    in_organization = installation(grid_team, enterprise_id=unique("E"))
    for each in (plain, org_wide, in_organization):
        asyncio.run(saving.async_save(each))

    found = {key: asyncio.run(reading.bot_of(key)) for key in (team, organization, grid_team)}
    assert found[team] is not None
    assert found[team].bot_token == plain.bot_token
    assert found[organization] is not None
    assert found[organization].bot_token == org_wide.bot_token
    assert found[grid_team] is not None
    assert found[grid_team].bot_token == in_organization.bot_token
    assert asyncio.run(reading.bot_of(unique("T"))) is None


def test_a_refreshed_token_replaces_the_old_one(engines: list[Engine]) -> None:
    store, _ = slack_installation_stores(engines[0], CLIENT_ID, state_expiration_seconds=60)
    team = unique("T")
    asyncio.run(store.async_save(installation(team)))
    bot = asyncio.run(store.bot_of(team))
    assert bot is not None
    bot.bot_token = "xoxb-refreshed"
    asyncio.run(store.async_save_bot(bot))

    again = asyncio.run(store.bot_of(team))
    assert again is not None
    assert again.bot_token == "xoxb-refreshed"


def test_an_oauth_state_is_good_once_in_any_process(engines: list[Engine]) -> None:
    (_, issuing), (_, consuming) = (
        slack_installation_stores(e, CLIENT_ID, state_expiration_seconds=60) for e in engines
    )
    state = asyncio.run(issuing.async_issue())

    assert asyncio.run(consuming.async_consume(state)) is True
    assert asyncio.run(issuing.async_consume(state)) is False
    assert asyncio.run(consuming.async_consume(str(uuid.uuid4()))) is False


def test_a_process_sees_another_ones_reinstall_once_its_cached_installation_runs_out(
    engines: list[Engine],
) -> None:
    (here, _), (there, _) = (
        slack_installation_stores(e, CLIENT_ID, state_expiration_seconds=60) for e in engines
    )
    clock = Clock()
    bots = InstalledBots(
        here, AsyncTokenRotator(client_id=CLIENT_ID, client_secret="unused"), ttl_seconds=45, clock=clock
    )
    team = unique("T")
    first, second = installation(team), installation(team)
    asyncio.run(bots.async_save(first))
    assert asyncio.run(bots.bot_of(team)).bot_token == first.bot_token  # type: ignore[union-attr]

    asyncio.run(there.async_save(second))  # another process takes the reinstall
    clock.now = 44.0
    assert asyncio.run(bots.bot_of(team)).bot_token == first.bot_token  # type: ignore[union-attr]
    clock.now = 46.0
    assert asyncio.run(bots.bot_of(team)).bot_token == second.bot_token  # type: ignore[union-attr]


def test_a_read_begun_before_an_uninstall_does_not_bring_the_bot_back(engines: list[Engine]) -> None:
    engine = engines[0]
    store, _ = slack_installation_stores(engine, CLIENT_ID, state_expiration_seconds=60)
    bots = InstalledBots(store, AsyncTokenRotator(client_id=CLIENT_ID, client_secret="unused"))
    team = unique("T")

    async def race() -> tuple[object, object]:
        await bots.async_save(installation(team))
        with held_read(engine, "slack_bots") as held:
            early = asyncio.create_task(bots.bot_of(team))
            await held.found()
            await bots.async_delete_all(enterprise_id=None, team_id=team)  # the uninstall
        return await early, await bots.bot_of(team)

    early, after = asyncio.run(race())

    assert early is not None  # read before the uninstall: what it found is its answer…
    assert after is None  # …but not kept: nothing more is sent in the workspace's name
