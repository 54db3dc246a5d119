"""The database: SQLite by default, any SQLAlchemy URL (PostgreSQL in production) via DATABASE_URL.

The engine is synchronous and every store runs its statements in a worker thread (`run_in_thread`), so
a slow disk or database never stalls the event loop that acknowledges Slack's requests.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Select,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    create_engine,
    event,
    inspect,
    or_,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql import TableClause

from bot.store.migrations import LATEST_REVISION

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.dialects import postgresql, sqlite

logger = logging.getLogger(__name__)

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_VERSION_TABLE = "alembic_version"
_MIGRATION_LOCK = 0x5374_6172_6C65  # any constant shared by every process of this app: "Starle"

metadata = MetaData()


def _workspace(*, index: bool = False) -> Column[str]:
    """The workspace a row belongs to (workspace.py): no default, so a forgotten one fails loudly."""
    return Column("workspace_id", String(64), nullable=False, index=index)


creations = Table(
    "campaign_creations",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("draft_input", Text, nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("channel_id", String(64), nullable=False),
    Column("campaign_id", String(200)),
    Column("campaign_json", Text),
    Column("agent_name", String(200)),
    Column("attempts", Integer, nullable=False, default=1),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("late_lookup", Text),  # after an unknown outcome, until the campaign has been looked for
    Column("language", String(8)),  # the creator's, for the card and late notes (null: the default)
    _workspace(),  # the key is a view ID, unique across workspaces, but every read filters it too
)

channel_preferences = Table(
    "channel_preferences",
    metadata,
    Column("channel_id", String(64), nullable=False),
    Column("agent_id", String(200)),
    Column("phone_number", String(64)),
    Column("timezone", String(64)),
    Column("max_retries", Integer),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    _workspace(),
    # A Slack Connect channel has one ID in every organization it joins.
    PrimaryKeyConstraint("workspace_id", "channel_id", name="channel_preferences_pkey"),
)

create_attempts = Table(
    "create_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("channel_id", String(64), nullable=False),
    Column("creation_key", String(255), nullable=False, index=True),
    Column("fingerprint", String(64)),
    Column("outcome", String(16), nullable=False),
    Column("campaign_id", String(200)),
    Column("detail", String(500)),
    _workspace(index=True),
)

notices = Table(
    "notices",
    metadata,
    Column("channel_id", String(64), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("shown_at", DateTime(timezone=True), nullable=False),
    _workspace(),
    PrimaryKeyConstraint("workspace_id", "channel_id", "user_id", "kind", name="notices_pkey"),
)

# A webhook URL's token, known by its SHA-256 only: the token itself is shown once and never stored.
webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("channel_id", String(64), nullable=False),
    Column("campaign_id", String(200)),
    Column("forward_url", String(2000)),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("thread_ts", String(32)),  # the root message in `channel_id` whose thread gets the results
    Column("root_message", Text),  # that message as posted (JSON), redrawn with each tally update
    Column("creation_key", String(255), index=True),  # the form that asked for it, until its card exists
    Column("language", String(8)),  # its thread's: the creator's or subscriber's (null: the default)
    _workspace(index=True),
)

# One row per delivered result; the unique delivery key makes a redelivery a no-op, across processes.
call_results = Table(
    "call_results",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False),
    Column("item_id", String(200), nullable=False),
    Column("attempt_count", Integer, nullable=False),
    Column("campaign_id", String(200)),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("payload", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("tag_name", String(200)),  # read once at intake, for the thread's tally
    Column("claimed_at", DateTime(timezone=True)),  # when its poster last renewed its lease on it
    Column("claim_token", String(32)),  # which poster (store) holds it while `posting`
    Column("reply_ts", String(32)),  # the reply that carries it, once posted
    # Forwarding to the user's own webhook URL: null when there is none, else pending → forwarded | dead.
    Column("forward_state", String(16), index=True),
    Column("forward_attempts", Integer),
    Column("forward_after", DateTime(timezone=True)),  # no try before this moment (backoff)
    Column("forward_token", String(32)),  # which forwarder (store) holds it while `forwarding`
    _workspace(),  # its subscription's, copied so that claims pick one workspace's results cheaply
    UniqueConstraint("token_hash", "item_id", "attempt_count", name="uq_call_results_delivery"),
    Index("ix_call_results_state_workspace_id", "state", "workspace_id"),
)

# The results thread's note about forwards that died, one per subscription and receiving host. Each dead
# forward moves `revision` on; the poster shows the note when the thread shows an older one.
forward_notes = Table(
    "forward_notes",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("host", String(255), primary_key=True),  # '' when the URL had none that could be read
    Column("problem", String(500), nullable=False),  # the last dead forward's, in words
    Column("failed_at", DateTime(timezone=True), nullable=False),  # when the last one died
    Column("revision", Integer, nullable=False),  # one more per dead forward
    Column("shown_revision", Integer),  # the revision the thread's note shows (null: none yet)
    Column("note_ts", String(32)),  # the note in the thread, once posted
    Column("shown_at", DateTime(timezone=True)),  # its last post or edit: edits are throttled
    Column("claimed_until", DateTime(timezone=True)),  # a poster is showing it until then
    _workspace(),
)


# A workspace's own Starleads API key (distribution mode), as a Fernet token only: the key itself, or any
# part of it, is never stored.
starleads_connections = Table(
    "starleads_connections",
    metadata,
    Column("workspace_id", String(64), primary_key=True),
    Column("encrypted_key", Text, nullable=False),
    Column("connected_by", String(64), nullable=False),
    Column("connected_at", DateTime(timezone=True), nullable=False),
)

# A workspace's default language (distribution mode, `/starleads language`), for its people whose Slack
# locale the bot doesn't speak.
workspace_languages = Table(
    "workspace_languages",
    metadata,
    Column("workspace_id", String(64), primary_key=True),
    Column("language", String(8), nullable=False),
    Column("set_by", String(64), nullable=False),
    Column("set_at", DateTime(timezone=True), nullable=False),
)

# The webhook addresses of workspaces that uninstalled the app, by token hash: they answer 410 Gone.
retired_webhooks = Table(
    "retired_webhooks",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("workspace_id", String(64), nullable=False),
    Column("retired_at", DateTime(timezone=True), nullable=False),
)


def oldest_results(
    columns: list[ColumnElement[Any]], condition: ColumnElement[bool], limit: int
) -> Select[Any]:
    """`columns` of the oldest `limit` call results meeting `condition`, each with its subscription."""
    return (
        select(*columns)
        .join(webhook_subscriptions, webhook_subscriptions.c.token_hash == call_results.c.token_hash)
        .where(condition)
        .order_by(call_results.c.id)
        .limit(limit)
    )


_P = ParamSpec("_P")
_T = TypeVar("_T")


class SchemaTooNew(Exception):
    """The database was upgraded by a newer version of the bot, whose revisions this one lacks."""

    def __init__(self, revision: str | None) -> None:
        super().__init__(
            f"the database's schema is at revision {revision}, which this version of the bot does not "
            f"know (it knows up to {LATEST_REVISION}): run the newer version, or restore a backup"
        )


def installed_in(installs: TableClause, workspace: str) -> ColumnElement[bool]:
    """The rows of one of slack_sdk's installation tables that belong to `workspace`: the organization
    of an org-wide install, else the team (an organization's or not)."""
    org_wide = installs.c.is_enterprise_install.is_(True)
    return or_(
        and_(org_wide, installs.c.enterprise_id == workspace),
        and_(~org_wide, installs.c.team_id == workspace),
    )


def connect(url: str) -> Engine:
    """An engine for `url`, its schema upgraded to this version's (SchemaTooNew if it is ahead)."""
    engine = open_engine(url)
    if schema_revision(engine) != LATEST_REVISION:
        upgrade(engine)
    return engine


def open_engine(url: str) -> Engine:
    """An engine for `url`, its schema left as it is (`starleads-bot check` looks without changing)."""
    url = _with_driver(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    # A health check or `check` against an address that drops packets must not hang on the connect.
    return create_engine(
        url, pool_pre_ping=True, pool_size=5, max_overflow=5, connect_args={"connect_timeout": 5}
    )


def database_answers(engine: Engine) -> bool:
    """Whether the database takes a query now (the health check asks)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


def upgrade(engine: Engine) -> None:
    """Apply the Alembic revisions this database lacks (none, usually: a cheap look at its version).

    On PostgreSQL, processes starting together take turns under a transaction-scoped advisory lock,
    and the whole upgrade is one transaction: the next one finds the work done.
    """
    from alembic import command
    from alembic.util import CommandError

    config = _alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        before = _revision_in(connection)
        try:
            command.upgrade(config, "head")
        except CommandError:
            raise SchemaTooNew(before) from None
        after = _revision_in(connection)
    if after != before:
        logger.info("database_upgraded from=%s to=%s", before or "none", after)


def schema_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at (None before the first)."""
    with engine.connect() as connection:
        return _revision_in(connection)


def new_revision(engine: Engine, message: str) -> str:
    """Write the next revision from what `metadata` has and the database (at the latest revision)
    lacks, for a developer to read over and commit; its path."""
    from alembic import command
    from alembic.script import Script, ScriptDirectory

    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        number = f"{len(list(ScriptDirectory.from_config(config).walk_revisions())) + 1:04d}"
        script = command.revision(config, message=message, autogenerate=True, rev_id=number)
    if not isinstance(script, Script):
        raise RuntimeError("the revisions have more than one head: link them in one line first")
    return str(script.path)


def insert_or_update(
    engine: Engine,
    table: Table,
    values: dict[str, Any],
    keys: list[str],
    updates: dict[str, Any] | None = None,
) -> postgresql.Insert | sqlite.Insert:
    """An upsert statement in the engine's own dialect (SQLite and PostgreSQL); `updates` replace the
    new values on conflict where the stored row counts (a counter's `column + 1`)."""
    statement = dialect_insert(engine, table).values(**values)
    replaced = {name: statement.excluded[name] for name in values if name not in keys}
    return statement.on_conflict_do_update(index_elements=keys, set_=replaced | (updates or {}))


def dialect_insert(engine: Engine, table: Table) -> postgresql.Insert | sqlite.Insert:
    """`INSERT` in the engine's own dialect, which has `ON CONFLICT`. Only that dialect is imported:
    on SQLite, PostgreSQL's (~40 ms of imports) would be start-up time for nothing."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


async def run_in_thread(function: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
    return await asyncio.to_thread(function, *args, **kwargs)


def now() -> datetime:
    return datetime.now(UTC)


def _revision_in(connection: Connection) -> str | None:
    """What Alembic's version table says, read without Alembic (None when there is no table yet)."""
    if not inspect(connection).has_table(_VERSION_TABLE):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _alembic_config() -> Config:
    """Alembic's settings without an alembic.ini: the revisions live in the package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    return config


def _with_driver(url: str) -> str:
    """`postgresql://` means psycopg 3 here (the driver we ship), not SQLAlchemy's psycopg2 default."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _tune_sqlite(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
