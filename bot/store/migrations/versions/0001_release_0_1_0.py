"""The schema of release 0.1.0, the last before Alembic, from nothing or from any earlier release.

Releases before Alembic created missing tables and added missing (nullable) columns at start-up. This
revision does the same, once, so that a database of any earlier release, or a new one, reaches the
0.1.0 schema with its rows; from here on every change is a revision of its own.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa

from bot.store.migrations.before_alembic import create_or_complete

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RELEASE = sa.MetaData()
_AT = sa.DateTime(timezone=True)

sa.Table(
    "campaign_creations",
    _RELEASE,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("draft_input", sa.Text, nullable=False),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("channel_id", sa.String(64), nullable=False),
    sa.Column("campaign_id", sa.String(200)),
    sa.Column("campaign_json", sa.Text),
    sa.Column("agent_name", sa.String(200)),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("created_at", _AT, nullable=False),
    sa.Column("updated_at", _AT, nullable=False),
    sa.Column("late_lookup", sa.Text),
)
sa.Table(
    "channel_preferences",
    _RELEASE,
    sa.Column("channel_id", sa.String(64), primary_key=True),
    sa.Column("agent_id", sa.String(200)),
    sa.Column("phone_number", sa.String(64)),
    sa.Column("timezone", sa.String(64)),
    sa.Column("max_retries", sa.Integer),
    sa.Column("updated_at", _AT, nullable=False),
)
sa.Table(
    "create_attempts",
    _RELEASE,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", _AT, nullable=False),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("channel_id", sa.String(64), nullable=False),
    sa.Column("creation_key", sa.String(255), nullable=False, index=True),
    sa.Column("fingerprint", sa.String(64)),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("campaign_id", sa.String(200)),
    sa.Column("detail", sa.String(500)),
)
sa.Table(
    "notices",
    _RELEASE,
    sa.Column("channel_id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(64), primary_key=True),
    sa.Column("shown_at", _AT, nullable=False),
)
sa.Table(
    "webhook_subscriptions",
    _RELEASE,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("channel_id", sa.String(64), nullable=False),
    sa.Column("campaign_id", sa.String(200)),
    sa.Column("forward_url", sa.String(2000)),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", _AT, nullable=False),
    sa.Column("thread_ts", sa.String(32)),
    sa.Column("root_message", sa.Text),
    sa.Column("creation_key", sa.String(255), index=True),
)
sa.Table(
    "call_results",
    _RELEASE,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("item_id", sa.String(200), nullable=False),
    sa.Column("attempt_count", sa.Integer, nullable=False),
    sa.Column("campaign_id", sa.String(200)),
    sa.Column("received_at", _AT, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("tag_name", sa.String(200)),
    sa.Column("claimed_at", _AT),
    sa.Column("reply_ts", sa.String(32)),
    sa.Column("forward_state", sa.String(16), index=True),
    sa.Column("forward_attempts", sa.Integer),
    sa.Column("forward_after", _AT),
    sa.UniqueConstraint("token_hash", "item_id", "attempt_count", name="uq_call_results_delivery"),
)


def upgrade() -> None:
    create_or_complete(_RELEASE)
