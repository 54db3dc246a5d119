"""Results tokens out of the campaigns kept in campaign_creations.

Versions before this one kept Starleads' answer whole, and with "Post call results to this channel"
its webhookUrl is the bot's address with the results token in clear. Only a token's hash may be kept:
the token becomes `[token-removed]`, as the bot now writes it for new campaigns.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ADDRESS = "/starleads/webhook/"
_REMOVED = _ADDRESS + "[token-removed]"
_TOKEN = re.compile(re.escape(_ADDRESS) + r"[^/?#\s\"]+")
_CREATIONS = sa.table("campaign_creations", sa.column("key", sa.String), sa.column("campaign_json", sa.Text))


def upgrade() -> None:
    connection = op.get_bind()
    kept = connection.execute(
        sa.select(_CREATIONS.c.key, _CREATIONS.c.campaign_json).where(
            _CREATIONS.c.campaign_json.contains(_ADDRESS, autoescape=True),
            ~_CREATIONS.c.campaign_json.contains(_REMOVED, autoescape=True),
        )
    ).all()
    for key, campaign in kept:
        connection.execute(
            sa.update(_CREATIONS)
            .where(_CREATIONS.c.key == key)
            .values(campaign_json=_TOKEN.sub(_REMOVED, campaign))
        )
