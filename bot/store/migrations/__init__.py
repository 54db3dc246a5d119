"""Alembic revisions of the bot's schema, applied at start-up and by `starleads-bot db upgrade`.

Each revision describes its own tables (a frozen copy, never the live `metadata`), so that an old
revision keeps meaning what it meant when it was written.
"""
