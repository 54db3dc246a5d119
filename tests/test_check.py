"""`starleads-bot check`, run as an operator runs it, against the stand-ins: one failure at a time, each
on its own line with how to fix it, and the exit code a deploy script can act on."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.store import LATEST_REVISION, connect, open_engine, schema_revision
from tests.conftest import BOT_TOKEN, RELEASE_SQLITE, RunningBot, bot_environment, free_port
from tests.slack_driver import SIGNING_SECRET
from tests.standins.slack_api import FakeSlack, Installs
from tests.standins.starleads_api import API_KEY, OTHER_API_KEY, FakeStarleads
from tests.store_rows import save_key


@pytest.fixture
def stand_ins(
    fake_slack: FakeSlack, fake_starleads: FakeStarleads
) -> Iterator[tuple[FakeSlack, FakeStarleads]]:
    fake_slack.reset()
    fake_starleads.reset()
    yield fake_slack, fake_starleads
    fake_slack.reset()


@pytest.fixture
def migrated(tmp_path: Path) -> str:
    """A database at this version's schema, as a bot that has run leaves it."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    connect(url).dispose()
    return url


def check(
    stand_ins: tuple[FakeSlack, FakeStarleads], workdir: Path, **settings: str | None
) -> tuple[int, list[str]]:
    """`starleads-bot check`'s exit code and lines; no secret may be in anything it printed."""
    env = bot_environment(*stand_ins, workdir, **settings)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    for secret in (BOT_TOKEN, SIGNING_SECRET, API_KEY, OTHER_API_KEY, Installs.CLIENT_SECRET):
        assert secret not in done.stdout + done.stderr
    return done.returncode, done.stdout.splitlines()


def line(lines: list[str], name: str) -> str:
    return next(
        text for text in lines if text.split(":")[0].split()[-1:] == name.split()[-1:] and name in text
    )


def test_all_good_passes_every_check_and_exits_0(
    stand_ins: tuple[FakeSlack, FakeStarleads], bot: RunningBot, migrated: str, tmp_path: Path
) -> None:
    code, lines = check(stand_ins, tmp_path, DATABASE_URL=migrated, PUBLIC_URL=bot.url)

    assert code == 0, lines
    assert [text.split()[0] for text in lines[:-1]] == ["ok", "ok", "ok", "ok", "ok", "ok"]
    assert lines[-1] == "all 6 checks passed"
    assert lines[0] == (
        "ok    settings: they parse: one workspace, HTTP mode (Slack's requests are checked with "
        "SLACK_SIGNING_SECRET; a wrong one logs slack_request_unverified)"
    )
    assert f"schema at revision {LATEST_REVISION}" in line(lines, "database")
    assert "reaches a starleads-bot (healthy)" in line(lines, "public url")


def test_a_token_slack_refuses_fails_with_how_to_fix_it(
    stand_ins: tuple[FakeSlack, FakeStarleads], migrated: str, tmp_path: Path
) -> None:
    stand_ins[0].fail("auth.test", "invalid_auth")

    code, lines = check(stand_ins, tmp_path, DATABASE_URL=migrated, PUBLIC_URL=None)

    assert code == 1
    assert line(lines, "slack token").startswith(
        "FAIL  slack token: Slack refused SLACK_BOT_TOKEN (invalid_auth)"
    )
    assert "OAuth & Permissions" in line(lines, "slack token")
    assert lines[-1] == "1 of 5 checks failed (1 skipped)"


def test_a_token_missing_a_scope_the_manifest_asks_for_fails_naming_it(
    stand_ins: tuple[FakeSlack, FakeStarleads], migrated: str, tmp_path: Path
) -> None:
    stand_ins[0].token_scopes = "commands,chat:write,chat:write.public,channels:history,groups:history"

    code, lines = check(stand_ins, tmp_path, DATABASE_URL=migrated, PUBLIC_URL=None)

    assert code == 1
    assert line(lines, "slack token").startswith("ok")
    scopes = line(lines, "slack scopes")
    assert scopes.startswith("FAIL  slack scopes: the bot token lacks usergroups:read, users:read")
    assert "reinstall" in scopes


def test_a_key_starleads_refuses_fails(
    stand_ins: tuple[FakeSlack, FakeStarleads], migrated: str, tmp_path: Path
) -> None:
    code, lines = check(
        stand_ins, tmp_path, DATABASE_URL=migrated, PUBLIC_URL=None, STARLEADS_API_KEY="sl-revoked-key-0000"
    )

    assert code == 1
    refused = line(lines, "starleads key")
    assert refused.startswith("FAIL  starleads key: Starleads refused STARLEADS_API_KEY (401)")
    assert "your profile → API key" in refused
    assert "sl-revoked-key-0000" not in "\n".join(lines)
    assert stand_ins[1].requests[0].path == "/Campaign"


def test_a_database_behind_this_version_fails_and_is_left_as_it_is(
    stand_ins: tuple[FakeSlack, FakeStarleads], tmp_path: Path
) -> None:
    database = tmp_path / "old.db"
    shutil.copy(RELEASE_SQLITE, database)

    code, lines = check(stand_ins, tmp_path, DATABASE_URL=f"sqlite:///{database}", PUBLIC_URL=None)

    assert code == 1
    behind = line(lines, "database")
    assert behind.startswith(
        f"FAIL  database: the schema is at revision none, this version needs {LATEST_REVISION}"
    )
    assert "starleads-bot db upgrade" in behind
    engine = open_engine(f"sqlite:///{database}")
    assert schema_revision(engine) is None
    engine.dispose()


def test_a_sqlite_file_that_isnt_there_fails_and_is_not_made(
    stand_ins: tuple[FakeSlack, FakeStarleads], tmp_path: Path
) -> None:
    mistyped = tmp_path / "no-such-dir-typo.db"

    code, lines = check(stand_ins, tmp_path, DATABASE_URL=f"sqlite:///{mistyped}", PUBLIC_URL=None)

    assert code == 1
    missing = line(lines, "database")
    assert missing.startswith(f"FAIL  database: there is no SQLite database at {mistyped}")
    assert "DATABASE_URL" in missing
    assert not mistyped.exists()


def test_a_database_that_cant_be_reached_fails(
    stand_ins: tuple[FakeSlack, FakeStarleads], tmp_path: Path
) -> None:
    code, lines = check(
        stand_ins,
        tmp_path,
        DATABASE_URL=f"postgresql://bot:pw-secret@127.0.0.1:{free_port()}/bot",
        PUBLIC_URL=None,
    )

    assert code == 1
    unreachable = line(lines, "database")
    assert unreachable.startswith("FAIL  database: DATABASE_URL cannot be opened (OperationalError)")
    assert "pw-secret" not in "\n".join(lines)


def test_a_public_url_that_reaches_nothing_fails(
    stand_ins: tuple[FakeSlack, FakeStarleads], migrated: str, tmp_path: Path
) -> None:
    address = f"http://127.0.0.1:{free_port()}"

    code, lines = check(stand_ins, tmp_path, DATABASE_URL=migrated, PUBLIC_URL=address)

    assert code == 1
    assert line(lines, "public url").startswith(
        f"FAIL  public url: {address}/healthz can't be reached (ConnectError)"
    )


def test_a_public_url_on_something_else_than_the_bot_fails(
    stand_ins: tuple[FakeSlack, FakeStarleads], migrated: str, tmp_path: Path
) -> None:
    code, lines = check(stand_ins, tmp_path, DATABASE_URL=migrated, PUBLIC_URL=stand_ins[1].url)

    assert code == 1
    assert "answered 401, not this bot's health check" in line(lines, "public url")


def test_without_public_url_that_check_is_skipped_with_a_note(
    stand_ins: tuple[FakeSlack, FakeStarleads], migrated: str, tmp_path: Path
) -> None:
    code, lines = check(stand_ins, tmp_path, DATABASE_URL=migrated, PUBLIC_URL=None)

    assert code == 0
    assert line(lines, "public url").startswith("skip  public url: PUBLIC_URL is not set")


def test_settings_that_dont_parse_exit_2_naming_the_variable(
    stand_ins: tuple[FakeSlack, FakeStarleads], tmp_path: Path
) -> None:
    code, lines = check(stand_ins, tmp_path, SLACK_BOT_TOKEN="not-a-token")

    assert code == 2
    assert lines == [
        "FAIL  settings: SLACK_BOT_TOKEN must be a bot token starting with xoxb- "
        "→ fix the variable named in the environment or .env (see .env.example)"
    ]
    assert stand_ins[0].requests == []


def test_distribution_counts_workspaces_and_names_those_whose_stored_key_cant_be_read(
    stand_ins: tuple[FakeSlack, FakeStarleads], migrated: str, tmp_path: Path
) -> None:
    current, lost = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    engine = connect(migrated)
    save_key(engine, "T0GOOD", API_KEY, current)
    save_key(engine, "T0LOST", OTHER_API_KEY, lost)
    engine.dispose()

    code, lines = check(
        stand_ins,
        tmp_path,
        DATABASE_URL=migrated,
        PUBLIC_URL=None,
        SLACK_BOT_TOKEN=None,
        STARLEADS_API_KEY=None,
        SLACK_CLIENT_ID=Installs.CLIENT_ID,
        SLACK_CLIENT_SECRET=Installs.CLIENT_SECRET,
        STARLEADS_KEY_ENCRYPTION_KEYS=current,
    )

    assert code == 1
    assert "0 workspace(s) installed, 2 connected to Starleads" in line(lines, "installations")
    keys = line(lines, "encryption keys")
    assert keys.startswith("FAIL  encryption keys: the Starleads keys of 1 workspace(s) can't be read")
    assert keys.split("STARLEADS_KEY_ENCRYPTION_KEYS: ")[1].startswith("T0LOST →")
    assert current not in "\n".join(lines)
    assert not [text for text in lines if "slack token" in text or "starleads key" in text]
    assert stand_ins[0].requests == []
    assert stand_ins[1].requests == []
