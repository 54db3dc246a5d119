"""Claims as leases (which worker holds a result or a forward) and the threads' forwarding notes.

Added only where missing: a database that ran a development build of this change has them already.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa

from bot.store.migrations.before_alembic import create_or_complete

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ADDED = sa.MetaData()
_AT = sa.DateTime(timezone=True)

sa.Table(
    "call_results",
    _ADDED,
    sa.Column("claim_token", sa.String(32)),
    sa.Column("forward_token", sa.String(32)),
)
sa.Table(
    "forward_notes",
    _ADDED,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("host", sa.String(255), primary_key=True),
    sa.Column("problem", sa.String(500), nullable=False),
    sa.Column("failed_at", _AT, nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("shown_revision", sa.Integer),
    sa.Column("note_ts", sa.String(32)),
    sa.Column("shown_at", _AT),
    sa.Column("claimed_until", _AT),
)


def upgrade() -> None:
    create_or_complete(_ADDED)
