"""Languages: the language a campaign's creator speaks, kept with its creation and with its results'
subscription (the card, late notes, the results thread and its tally stay in it, across restarts), and
each workspace's default language (distribution mode, `/starleads language`).

Rows from before this revision have no language: they speak the bot's default (`DEFAULT_LANGUAGE`),
which is what they spoke when they were made.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SPOKEN_IN = ("campaign_creations", "webhook_subscriptions")


def upgrade() -> None:
    for table in _SPOKEN_IN:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("language", sa.String(8)))
    op.create_table(
        "workspace_languages",
        sa.Column("workspace_id", sa.String(64), primary_key=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("set_by", sa.String(64), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("workspace_languages")
    for table in _SPOKEN_IN:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("language")
