"""Every row belongs to a workspace: `workspace_id` on every table, in the keys where it matters.

Rows kept so far are a single-workspace bot's, whose workspace is 'local'. The column gets that value
through a temporary server default, dropped at once: a row written without its workspace must fail,
never land in 'local'. A Slack Connect channel has one ID in every organization it joins, so the
workspace leads the keys of channel preferences and notices (SQLite builds those tables again).
Posters claim one workspace's due results, so call_results' index on `state` becomes one on
(`state`, `workspace_id`).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EXISTING_ROWS = "local"  # the workspace of a single-workspace bot, as this revision found it
_TABLES = (
    "campaign_creations",
    "channel_preferences",
    "create_attempts",
    "notices",
    "webhook_subscriptions",
    "call_results",
    "forward_notes",
)
_NEW_PRIMARY_KEYS = {
    "channel_preferences": ["workspace_id", "channel_id"],
    "notices": ["workspace_id", "channel_id", "user_id", "kind"],
}

# The two tables as they stand once the column is added, their keys named as PostgreSQL names them:
# SQLite rebuilds them from these copies, its unnamed key dropped by that name like PostgreSQL's.
_BEFORE = sa.MetaData()
_AT = sa.DateTime(timezone=True)
_WORKSPACE = sa.String(64)
sa.Table(
    "channel_preferences",
    _BEFORE,
    sa.Column("channel_id", sa.String(64), nullable=False),
    sa.Column("agent_id", sa.String(200)),
    sa.Column("phone_number", sa.String(64)),
    sa.Column("timezone", sa.String(64)),
    sa.Column("max_retries", sa.Integer),
    sa.Column("updated_at", _AT, nullable=False),
    sa.Column("workspace_id", _WORKSPACE, nullable=False),
    sa.PrimaryKeyConstraint("channel_id", name="channel_preferences_pkey"),
)
sa.Table(
    "notices",
    _BEFORE,
    sa.Column("channel_id", sa.String(64), nullable=False),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("shown_at", _AT, nullable=False),
    sa.Column("workspace_id", _WORKSPACE, nullable=False),
    sa.PrimaryKeyConstraint("channel_id", "user_id", "kind", name="notices_pkey"),
)


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            workspace = sa.Column("workspace_id", _WORKSPACE, nullable=False, server_default=_EXISTING_ROWS)
            batch.add_column(workspace)
        if table in _NEW_PRIMARY_KEYS:
            with op.batch_alter_table(table, copy_from=_BEFORE.tables[table]) as batch:
                batch.alter_column("workspace_id", server_default=None, existing_type=_WORKSPACE)
                batch.drop_constraint(f"{table}_pkey", type_="primary")
                batch.create_primary_key(f"{table}_pkey", _NEW_PRIMARY_KEYS[table])
        else:
            with op.batch_alter_table(table) as batch:
                batch.alter_column("workspace_id", server_default=None, existing_type=_WORKSPACE)
    op.create_index("ix_create_attempts_workspace_id", "create_attempts", ["workspace_id"])
    op.create_index("ix_webhook_subscriptions_workspace_id", "webhook_subscriptions", ["workspace_id"])
    op.drop_index("ix_call_results_state", "call_results")
    op.create_index("ix_call_results_state_workspace_id", "call_results", ["state", "workspace_id"])
