"""Alembic revisions of the bot's schema, applied at start-up and by `starleads-bot db upgrade`.

Each revision describes its own tables (a frozen copy, never the live `metadata`), so that an old
revision keeps meaning what it meant when it was written.
"""

LATEST_REVISION = "0006"
"""The newest revision's ID. Start-up compares the database's version with it and loads Alembic only
when they differ, so an up-to-date database costs one query, not Alembic's import (a test keeps it
equal to the newest file in versions/)."""
