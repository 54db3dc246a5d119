"""Slack's installations and OAuth states, in the bot's own database (distribution mode only).

The tables are slack_sdk's, declared by its own builders on the bot's metadata so that its stores
read and write them as they expect, and so that the schema test holds revision 0005 to them. Imported
only when the bot is distributed: slack_sdk's stores pull in SQLAlchemy's asyncio module (about
50 ms of start-up) which a single-workspace bot never needs.
"""

from __future__ import annotations

import logging
from logging import Logger
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, func, select

from bot.store.database import installed_in, metadata, run_in_thread

logger = logging.getLogger(__name__)

INSTALLATIONS_TABLE = "slack_installations"
BOTS_TABLE = "slack_bots"
OAUTH_STATES_TABLE = "slack_oauth_states"

installations = SQLAlchemyInstallationStore.build_installations_table(metadata, INSTALLATIONS_TABLE)
bots = SQLAlchemyInstallationStore.build_bots_table(metadata, BOTS_TABLE)
oauth_states = SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, OAUTH_STATES_TABLE)


class InstallationStore(AsyncInstallationStore):
    """slack_sdk's SQLAlchemy installation store on the bot's own engine and tables; like every other
    store here it runs its statements in a worker thread, so no async driver is needed."""

    def __init__(self, engine: Engine, client_id: str) -> None:
        self._store = SQLAlchemyInstallationStore(
            client_id,
            engine,
            bots_table_name=BOTS_TABLE,
            installations_table_name=INSTALLATIONS_TABLE,
            logger=logger,
        )
        # The same tables, as declared on our metadata (the schema is Alembic's, never create_all's).
        self._store.installations, self._store.bots = installations, bots
        self._client_id = client_id
        self._engine = engine

    @property
    def logger(self) -> Logger:
        return logger

    async def async_save(self, installation: Installation) -> None:
        await run_in_thread(self._store.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await run_in_thread(self._store.save_bot, bot)

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        return await run_in_thread(
            self._store.find_bot,
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return await run_in_thread(
            self._store.find_installation,
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await run_in_thread(self._store.delete_bot, enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await run_in_thread(
            self._store.delete_installation, enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
        )

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await run_in_thread(self._store.delete_all, enterprise_id=enterprise_id, team_id=team_id)

    async def bot_of(self, workspace: str) -> Bot | None:
        """The workspace's latest bot by its key alone (workspace_key: the organization of an org-wide
        install, else the team, inside an organization or not): what background work has to go on."""
        return await run_in_thread(self._bot_of, workspace)

    def _bot_of(self, workspace: str) -> Bot | None:
        query = (
            select(bots)
            .where(
                bots.c.client_id == self._client_id,
                bots.c.bot_token.is_not(None),
                installed_in(bots, workspace),
            )
            .order_by(bots.c.installed_at.desc())
            .limit(1)
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return self._store.build_bot_entity(row) if row else None


def installed_workspaces(engine: Engine, client_id: str) -> int:
    """How many workspaces (or organizations, installed org-wide) have this app's bot installed."""
    column = bots.c
    workspace = func.coalesce(func.nullif(func.coalesce(column.team_id, ""), ""), column.enterprise_id)
    query = select(func.count(func.distinct(workspace))).where(
        column.client_id == client_id, column.bot_token.is_not(None)
    )
    with engine.connect() as connection:
        return int(connection.execute(query).scalar() or 0)


class OAuthStateStore(AsyncOAuthStateStore):
    """slack_sdk's SQLAlchemy OAuth state store on the bot's own engine and table, in a worker thread:
    any process may issue a state and another one take the redirect back."""

    def __init__(self, engine: Engine, expiration_seconds: int) -> None:
        self._store = SQLAlchemyOAuthStateStore(
            expiration_seconds, engine, logger=logger, table_name=OAUTH_STATES_TABLE
        )
        self._store.oauth_states = oauth_states

    @property
    def logger(self) -> Logger:
        return logger

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await run_in_thread(self._store.issue)

    async def async_consume(self, state: str) -> bool:
        return await run_in_thread(self._store.consume, state)
