"""Each workspace's own Starleads account: connecting checks the key with the Starleads stand-in, the
key is kept encrypted in a real SQLite database, and each workspace's calls carry its own key."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, text

from bot.call_results.subscriptions import Subscriptions
from bot.campaigns.creation import CampaignCreator
from bot.campaigns.draft import DraftInput
from bot.campaigns.outcome import Outcome, Rejected
from bot.campaigns.submission import Submission
from bot.i18n import speaking
from bot.starleads import Agent, StarleadsClient, starleads_pool
from bot.store import (
    AuditStore,
    ConnectionStore,
    CreationStore,
    PreferenceStore,
    StoredConnection,
    SubscriptionStore,
    connect,
)
from bot.workspaces.connections import (
    Connected,
    Connection,
    ConnectOutcome,
    KeyRefused,
    NotConnected,
    Rotation,
    StarleadsAccounts,
    StarleadsUnreachable,
    rotate_keys,
)
from bot.workspaces.keys import KeyVault
from tests.conftest import free_port
from tests.french import typeset
from tests.races import Clock, held_read
from tests.standins.starleads_api import API_KEY, OTHER_AGENT, OTHER_API_KEY, PHONE_AGENT, FakeStarleads

_T = TypeVar("_T")


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[Engine, Path]]:
    path = tmp_path / "bot.db"
    engine = connect(f"sqlite:///{path}")
    yield engine, path
    engine.dispose()


@pytest.fixture
def starleads(fake_starleads: FakeStarleads) -> FakeStarleads:
    fake_starleads.reset()
    return fake_starleads


def with_accounts(
    engine: Engine,
    url: str,
    use: Callable[[Callable[..., StarleadsAccounts]], Awaitable[_T]],
) -> _T:
    """Run `use` with a maker of StarleadsAccounts (one per bot process) sharing one Starleads pool."""

    async def run() -> _T:
        pool = starleads_pool(url, timeout_seconds=1.0)

        def accounts(
            keys: list[str] | None = None, clock: Callable[[], float] | None = None
        ) -> StarleadsAccounts:
            return StarleadsAccounts(
                ConnectionStore(engine),
                KeyVault(keys or [ENCRYPTION_KEY]),
                lambda api_key: StarleadsClient(pool, api_key),
                **({"clock": clock} if clock else {}),
            )

        try:
            return await use(accounts)
        finally:
            await pool.aclose()

    return asyncio.run(run())


ENCRYPTION_KEY = Fernet.generate_key().decode()


def test_each_workspace_reaches_its_own_company_with_its_own_key(
    database: tuple[Engine, Path], starleads: FakeStarleads
) -> None:
    engine, _ = database

    async def use(
        accounts: Callable[..., StarleadsAccounts],
    ) -> tuple[ConnectOutcome, ConnectOutcome, Agent, Agent]:
        bot = accounts()
        first = await bot.connect("T0A", API_KEY, user_id="U0ADMIN")
        second = await bot.connect("T0B", f"  {OTHER_API_KEY}\n", user_id="U0OWNER")
        starleads.clear()
        client_a, client_b = await bot.client_for("T0A"), await bot.client_for("T0B")
        assert isinstance(client_a, StarleadsClient)
        assert isinstance(client_b, StarleadsClient)
        return first, second, await client_a.get_agent(PHONE_AGENT), await client_b.get_agent(OTHER_AGENT)

    first, second, agent_a, agent_b = with_accounts(engine, starleads.url, use)

    assert isinstance(first, Connected)
    assert first.connection.masked_key == "…8e7a"
    assert isinstance(second, Connected)
    assert second.connection.masked_key == "…9f3a"
    assert second.connection.connected_by == "U0OWNER"
    assert starleads.sent_keys() == [API_KEY, OTHER_API_KEY]
    assert agent_a.agent_name == "Chloé — Relance"
    assert agent_b.agent_name == "Hugo — Rappel"


def test_the_keys_bytes_appear_nowhere_in_the_database_file(
    database: tuple[Engine, Path], starleads: FakeStarleads
) -> None:
    engine, path = database

    async def use(accounts: Callable[..., StarleadsAccounts]) -> object:
        return await accounts().connect("T0B", OTHER_API_KEY, user_id="U0ADMIN")

    assert isinstance(with_accounts(engine, starleads.url, use), Connected)
    engine.dispose()  # SQLite writes its journal back into the file

    stored = b"".join(file.read_bytes() for file in path.parent.glob("bot.db*"))
    assert b"starleads_connections" in stored
    for form in (OTHER_API_KEY, OTHER_API_KEY[-12:], OTHER_API_KEY.encode("utf-16-le").decode("latin-1")):
        assert form.encode("latin-1") not in stored


def test_a_key_starleads_refuses_is_not_stored(
    database: tuple[Engine, Path], starleads: FakeStarleads
) -> None:
    engine, _ = database

    async def use(accounts: Callable[..., StarleadsAccounts]) -> tuple[object, ...]:
        bot = accounts()
        refused = await bot.connect("T0A", "sl-not-a-real-key-0000", user_id="U0ADMIN")
        return refused, await bot.connect("T0A", "   ", user_id="U0ADMIN"), await bot.client_for("T0A")

    refused, empty, client = with_accounts(engine, starleads.url, use)

    assert isinstance(refused, KeyRefused)
    assert "doesn't accept this key" in refused.message
    assert isinstance(empty, KeyRefused)
    assert "Paste your Starleads API key" in empty.message
    assert client == NotConnected("T0A")
    assert len(starleads.requests) == 1  # the empty one was never sent


def test_a_french_admin_is_told_in_french_why_a_key_is_refused(
    database: tuple[Engine, Path], starleads: FakeStarleads
) -> None:
    engine, _ = database

    async def use(accounts: Callable[..., StarleadsAccounts]) -> tuple[object, ...]:
        bot = accounts()
        with speaking("fr"):
            return (
                await bot.connect("T0A", "sl-not-a-real-key-0000", user_id="U0ADMIN"),
                await bot.connect("T0A", "   ", user_id="U0ADMIN"),
                await bot.connect("T0A", "sl key with spaces", user_id="U0ADMIN"),
            )

    refused, empty, misshapen = with_accounts(engine, starleads.url, use)

    assert refused == KeyRefused(
        typeset(
            "Starleads n’accepte pas cette clé : "
            "copiez-la à nouveau depuis Starleads (votre profil → clé d’API)."
        )
    )
    assert empty == KeyRefused("Collez votre clé d’API Starleads (Starleads (votre profil → clé d’API)).")
    assert misshapen == KeyRefused(
        typeset(
            "Cela ne ressemble pas à une clé d’API Starleads : "
            "copiez-la à nouveau depuis Starleads (votre profil → clé d’API)."
        )
    )


def test_when_starleads_cant_be_reached_nothing_is_stored_and_it_says_so(
    database: tuple[Engine, Path], caplog: pytest.LogCaptureFixture
) -> None:
    engine, _ = database

    async def use(accounts: Callable[..., StarleadsAccounts]) -> tuple[object, ...]:
        bot = accounts()
        with speaking("fr"):
            return await bot.connect("T0A", API_KEY, user_id="U0ADMIN"), await bot.connection("T0A")

    with caplog.at_level(logging.WARNING):
        outcome, connection = with_accounts(engine, f"http://127.0.0.1:{free_port()}", use)

    assert isinstance(outcome, StarleadsUnreachable)
    assert "Je n’ai pas pu joindre Starleads pour vérifier cette clé" in outcome.message
    assert connection is None
    # The operator's log line reads the same whoever was connecting.
    assert "outcome=unreachable error=Starleads refused the connection" in caplog.text


def test_disconnect_forgets_the_key_at_once_and_other_processes_follow_within_seconds(
    database: tuple[Engine, Path], starleads: FakeStarleads
) -> None:
    engine, _ = database
    clock = Clock()

    async def use(accounts: Callable[..., StarleadsAccounts]) -> list[object]:
        this, other = accounts(clock=clock), accounts(clock=clock)
        await this.connect("T0A", API_KEY, user_id="U0ADMIN")
        seen = [await other.client_for("T0A")]
        assert await this.disconnect("T0A")
        seen += [await this.client_for("T0A"), await other.client_for("T0A")]
        clock.now += 60
        return [*seen, await other.client_for("T0A"), await this.disconnect("T0A")]

    connected, here, there_cached, there_later, again = with_accounts(engine, starleads.url, use)

    assert isinstance(connected, StarleadsClient)
    assert here == NotConnected("T0A")
    assert isinstance(there_cached, StarleadsClient)  # its memory is short…
    assert there_later == NotConnected("T0A")  # …and then it reads the database again
    assert again is False


def test_a_read_begun_before_a_disconnect_does_not_bring_the_key_back(
    database: tuple[Engine, Path], starleads: FakeStarleads
) -> None:
    engine, _ = database
    clock = Clock()

    async def use(accounts: Callable[..., StarleadsAccounts]) -> list[object]:
        here = accounts(clock=clock)
        await here.connect("T0A", API_KEY, user_id="U0ADMIN")
        clock.now += 60  # what it knows is stale: the next campaign's client is read again first
        with held_read(engine, "starleads_connections") as held:
            early = asyncio.create_task(here.client_for("T0A"))
            await held.found()
            await here.disconnect("T0A")
        return [await early, await here.client_for("T0A"), await here.connection("T0A")]

    early, next_client, shown = with_accounts(engine, starleads.url, use)

    assert isinstance(early, StarleadsClient)  # read before the disconnect
    assert next_client == NotConnected("T0A")
    assert shown is None


def test_rotation_reencrypts_so_the_old_encryption_key_can_go(
    database: tuple[Engine, Path], starleads: FakeStarleads
) -> None:
    engine, _ = database
    old, newest = Fernet.generate_key().decode(), Fernet.generate_key().decode()

    async def use(
        accounts: Callable[..., StarleadsAccounts],
    ) -> tuple[Rotation, Connection | None, Connection | None]:
        await accounts([old]).connect("T0A", API_KEY, user_id="U0ADMIN")
        await accounts([old]).connect("T0B", OTHER_API_KEY, user_id="U0ADMIN")
        rotation = await rotate_keys(ConnectionStore(engine), KeyVault([newest, old]))
        only_newest = accounts([newest])
        return rotation, await only_newest.connection("T0A"), await only_newest.connection("T0B")

    rotation, first, second = with_accounts(engine, starleads.url, use)

    assert rotation.rotated == 2
    assert rotation.unreadable == []
    assert first is not None
    assert first.masked_key == "…8e7a"
    assert second is not None
    assert second.masked_key == "…9f3a"


def test_rotation_reports_a_key_no_encryption_key_opens_and_rotates_the_others(
    database: tuple[Engine, Path], starleads: FakeStarleads, caplog: pytest.LogCaptureFixture
) -> None:
    engine, _ = database
    lost, kept, newest = (Fernet.generate_key().decode() for _ in range(3))

    async def use(
        accounts: Callable[..., StarleadsAccounts],
    ) -> tuple[Rotation, StarleadsClient | NotConnected, Connection | None]:
        await accounts([lost]).connect("T0LOST", API_KEY, user_id="U0ADMIN")
        await accounts([kept]).connect("T0KEPT", OTHER_API_KEY, user_id="U0ADMIN")
        rotation = await rotate_keys(ConnectionStore(engine), KeyVault([newest, kept]))
        reader = accounts([newest])
        return rotation, await reader.client_for("T0LOST"), await reader.connection("T0KEPT")

    with caplog.at_level(logging.INFO):
        rotation, lost_client, kept_connection = with_accounts(engine, starleads.url, use)

    assert rotation.rotated == 1
    assert [error.workspace for error in rotation.unreadable] == ["T0LOST"]
    assert lost_client == NotConnected("T0LOST")  # an unreadable key is no key, not a crash
    assert kept_connection is not None
    assert "T0LOST" in caplog.text
    for secret in (API_KEY, OTHER_API_KEY, lost, kept, newest):
        assert secret not in caplog.text


def test_the_installer_is_the_user_of_the_newest_installation(database: tuple[Engine, Path]) -> None:
    engine, _ = database
    rows = [
        ("T0A", None, False, "U0FIRST", datetime(2026, 1, 1, tzinfo=UTC)),
        ("T0A", None, False, "U0AGAIN", datetime(2026, 3, 1, tzinfo=UTC)),
        ("T0B", "E0ORG", True, "U0ORGADMIN", datetime(2026, 2, 1, tzinfo=UTC)),
        ("T0C", "E0ORG", False, "U0TEAM", datetime(2026, 4, 1, tzinfo=UTC)),
    ]
    with engine.begin() as db:
        for team, enterprise, org_wide, user, at in rows:
            db.execute(
                text(
                    "insert into slack_installations (client_id, app_id, enterprise_id, team_id, "
                    "is_enterprise_install, user_id, installed_at) values "
                    "('1.2', 'A0001', :enterprise, :team, :org_wide, :user, :at)"
                ),
                {"team": team, "enterprise": enterprise, "org_wide": org_wide, "user": user, "at": at},
            )
    store = ConnectionStore(engine)

    async def installers() -> list[str | None]:
        return [await store.installer(workspace) for workspace in ("T0A", "E0ORG", "T0C", "T0NONE")]

    assert asyncio.run(installers()) == ["U0AGAIN", "U0ORGADMIN", "U0TEAM", None]


def test_a_campaign_for_a_workspace_without_a_key_is_refused_with_how_to_connect(
    database: tuple[Engine, Path], starleads: FakeStarleads
) -> None:
    engine, _ = database
    typed = DraftInput(name="Relance devis", agent_id=PHONE_AGENT, phone_number="+33123456789")
    submission = Submission.of("V0NOKEY", typed, user_id="U1", channel_id="C1", workspace="T0NONE")

    async def use(accounts: Callable[..., StarleadsAccounts]) -> Outcome:
        creator = CampaignCreator(
            accounts(),
            CreationStore(engine),
            PreferenceStore(engine),
            AuditStore(engine),
            Subscriptions(SubscriptionStore(engine)),
        )
        assert (await creator.claim(submission)).granted
        return await creator.create(submission)

    outcome = with_accounts(engine, starleads.url, use)

    assert isinstance(outcome, Rejected)
    assert outcome.general is not None
    assert "no longer connected to Starleads" in outcome.general
    assert "`/starleads connect`" in outcome.general
    assert starleads.requests == []


def test_the_store_replaces_a_key_and_rotation_leaves_one_reconnected_meanwhile(
    engines: list[Engine],
) -> None:
    this, other = (ConnectionStore(engine) for engine in engines)
    workspace = f"T{uuid.uuid4().hex[:10].upper()}"

    async def scenario() -> tuple[int, str | None, bool, StoredConnection | None]:
        await this.save(workspace, "token-1", connected_by="U0ADMIN")
        await other.save(workspace, "token-2", connected_by="U0OWNER")  # connected again, another key
        replaced = await this.replace_keys({workspace: ("token-1", "rotated-1")})  # read before that
        stored = await other.get(workspace)
        forgotten = await this.delete(workspace)
        return replaced, stored.encrypted_key if stored else None, forgotten, await other.get(workspace)

    replaced, token, forgotten, after = asyncio.run(scenario())

    assert replaced == 0
    assert token == "token-2"
    assert forgotten is True
    assert after is None
