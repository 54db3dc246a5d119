"""The schema moves forward by Alembic revisions: a database of the last release keeps its rows."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, select, text
from sqlalchemy.exc import IntegrityError

import bot.store.installations  # noqa: F401 - slack_sdk's tables join the metadata compared below
from bot.store import connect, schema_revision
from bot.store.database import metadata
from bot.store.migrations import LATEST_REVISION
from tests.conftest import POSTGRES_URL, RELEASE_SQLITE, postgres_or_skip

RELEASE_POSTGRES = RELEASE_SQLITE.with_name("release-0.1.0-postgresql.sql")  # the same, for PostgreSQL
MIGRATIONS = Path(__file__).parent.parent / "bot" / "store" / "migrations"
LATEST = ScriptDirectory(str(MIGRATIONS)).get_current_head()
RELEASE_TABLES = (
    "call_results",
    "campaign_creations",
    "channel_preferences",
    "create_attempts",
    "notices",
    "webhook_subscriptions",
)


def schema_differences(engine: Engine) -> list[object]:
    """What the database's schema lacks or has in excess of the tables this version declares."""
    with engine.connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), metadata))


def rows(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def assert_release_rows_kept(engine: Engine) -> None:
    creations = "select key, state, campaign_id, agent_name from campaign_creations order by key"
    assert rows(engine, creations) == [
        ("V0CREATED", "created", "cmp-1", "Claire"),
        ("V0UNKNOWN", "unknown", None, None),
    ]
    assert rows(engine, "select channel_id, phone_number, max_retries from channel_preferences") == [
        ("C0SALES", "+33123456789", 3)
    ]
    assert rows(engine, "select creation_key, outcome from create_attempts order by id") == [
        ("V0CREATED", "created"),
        ("V0UNKNOWN", "unknown"),
    ]
    assert rows(engine, "select channel_id, kind from notices") == [("G0PRIVATE", "invite")]
    assert rows(engine, "select channel_id, thread_ts from webhook_subscriptions order by channel_id") == [
        ("C0SALES", "1764239400.000100"),
        ("G0PRIVATE", None),
    ]
    assert rows(engine, "select item_id, state, reply_ts, forward_state from call_results order by id") == [
        ("item-1", "posted", "1764239401.000200", "forwarded"),
        ("item-2", "pending", None, "pending"),
        ("item-3", "dead", None, "dead"),
    ]
    assert_kept_rows_belong_to_the_single_workspace(engine)


def assert_kept_rows_belong_to_the_single_workspace(engine: Engine) -> None:
    """Rows of a single-workspace release are workspace 'local''s; a new row must name its workspace,
    and a channel's preferences and notices are keyed by workspace (Slack Connect channels share IDs)."""
    with engine.connect() as connection:
        for name in RELEASE_TABLES:
            workspaces = select(metadata.tables[name].c.workspace_id).distinct()
            assert connection.execute(workspaces).all() == [("local",)], name
    keys = inspect(engine)
    assert keys.get_pk_constraint("channel_preferences")["constrained_columns"] == [
        "workspace_id",
        "channel_id",
    ]
    assert keys.get_pk_constraint("notices")["constrained_columns"] == [
        "workspace_id",
        "channel_id",
        "user_id",
        "kind",
    ]
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            text("insert into notices (channel_id, user_id, kind, shown_at) values ('C1', 'U1', 'k', :at)"),
            {"at": "2026-11-30 16:00:00+00:00"},
        )


def test_a_sqlite_database_of_the_last_release_upgrades_in_place_and_keeps_its_rows(tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    shutil.copyfile(RELEASE_SQLITE, database)

    engine = connect(f"sqlite:///{database}")

    assert schema_revision(engine) == LATEST
    assert schema_differences(engine) == []
    assert_release_rows_kept(engine)
    engine.dispose()


def test_start_up_knows_the_newest_revision() -> None:
    """Start-up skips Alembic when the database is at LATEST_REVISION: it must be the real newest."""
    assert LATEST_REVISION == LATEST


def test_a_new_sqlite_database_gets_the_whole_schema_from_the_revisions(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'new.db'}")

    assert schema_revision(engine) == LATEST
    assert schema_differences(engine) == [], "a table changed without a revision: `starleads-bot db revision`"
    engine.dispose()


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    """A database of its own on the PostgreSQL server, dropped afterwards."""
    postgres_or_skip()
    name = f"upgrade_{uuid.uuid4().hex[:12]}"
    server = create_engine(
        POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.mark.postgres
def test_a_postgresql_database_of_the_last_release_upgrades_in_place_and_keeps_its_rows(
    empty_postgres: str,
) -> None:
    release = create_engine(empty_postgres.replace("postgresql://", "postgresql+psycopg://", 1))
    with release.begin() as connection:
        connection.exec_driver_sql(RELEASE_POSTGRES.read_text())
    release.dispose()

    engine = connect(empty_postgres)

    assert schema_revision(engine) == LATEST
    assert schema_differences(engine) == []
    assert_release_rows_kept(engine)
    engine.dispose()


@pytest.mark.postgres
def test_two_processes_starting_at_once_on_postgresql_upgrade_it_once(empty_postgres: str) -> None:
    env = {**os.environ, "DATABASE_URL": empty_postgres}
    command = [sys.executable, "-m", "bot", "db", "upgrade"]
    runs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)
    ]
    outputs = [run.communicate(timeout=60) for run in runs]

    assert [run.returncode for run in runs] == [0, 0, 0, 0], outputs
    logs = b"".join(err for _, err in outputs).decode()
    assert logs.count("database_upgraded from=none") == 1
    engine = connect(empty_postgres)
    assert schema_differences(engine) == []
    engine.dispose()


def test_db_upgrade_needs_only_the_database_and_says_where_it_stands(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STARLEADS_"))}
    database = tmp_path / "bot.db"
    shutil.copyfile(RELEASE_SQLITE, database)
    env["DATABASE_URL"] = f"sqlite:///{database}"

    first = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    again = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"], env=env, cwd=tmp_path, capture_output=True, text=True
    )

    assert first.returncode == 0, first.stderr
    assert f"at revision {LATEST}" in first.stdout
    assert "database_upgraded from=none" in first.stderr
    assert again.returncode == 0
    assert "database_upgraded" not in again.stderr


def test_a_database_a_newer_version_upgraded_stops_start_up_with_one_line_saying_so(tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    connect(f"sqlite:///{database}").dispose()
    with sqlite3.connect(database) as newer:
        newer.execute("update alembic_version set version_num = '9999'")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STARLEADS_"))}
    env["DATABASE_URL"] = f"sqlite:///{database}"

    run = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"], env=env, cwd=tmp_path, capture_output=True, text=True
    )

    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        f"starleads-bot: the database's schema is at revision 9999, which this version of the bot does not "
        f"know (it knows up to {LATEST}): run the newer version, or restore a backup"
    ]
