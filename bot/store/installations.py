"""Slack's installations and OAuth states, in the bot's own database (distribution mode only).

The tables are slack_sdk's, declared by its own builders on the bot's metadata so that its stores
read and write them as they expect, and so that the schema test holds revision 0005 to them. Imported
only when the bot is distributed: slack_sdk's stores pull in SQLAlchemy's asyncio module (about
50 ms of start-up) which a single-workspace bot never needs.
"""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot.store.database import metadata

INSTALLATIONS_TABLE = "slack_installations"
BOTS_TABLE = "slack_bots"
OAUTH_STATES_TABLE = "slack_oauth_states"

installations = SQLAlchemyInstallationStore.build_installations_table(metadata, INSTALLATIONS_TABLE)
bots = SQLAlchemyInstallationStore.build_bots_table(metadata, BOTS_TABLE)
oauth_states = SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, OAUTH_STATES_TABLE)
