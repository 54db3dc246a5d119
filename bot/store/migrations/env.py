"""Alembic's environment: run on the connection `bot.store.database.upgrade` hands over.

There is no alembic.ini and no URL here: the bot opens the database itself, takes the migration lock,
and passes its connection in `config.attributes`. SQLite alters tables in batch mode (copy and
rename), which is how it supports changes beyond ADD COLUMN.
"""

from alembic import context

from bot.store.database import metadata

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
